package dev.bastion.audit;

import java.time.Instant;

/** Whether the audit log can record right now; {@code /readyz} reports it. */
public sealed interface AuditHealth {

  record Healthy() implements AuditHealth {}

  /**
   * Records cannot be written; requests are refused with {@code audit_unavailable} (unless fail-open)
   * and the log keeps probing the store in the background.
   */
  record Unavailable(String reason, Instant since) implements AuditHealth {}

  AuditHealth HEALTHY = new Healthy();
}
