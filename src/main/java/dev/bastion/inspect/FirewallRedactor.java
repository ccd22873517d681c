package dev.bastion.inspect;

import dev.bastion.audit.ArgumentRedactor;
import dev.bastion.audit.ConservativeRedactor;
import tools.jackson.databind.JsonNode;

/**
 * The audit copy of arguments: every detector hit replaced by its typed placeholder (whatever the
 * configured action, since an audit record must never hold a secret), then the conservative
 * redactor's key rules and size bounds on top.
 */
public final class FirewallRedactor implements ArgumentRedactor {
  private final Inspector inspector;
  private final ConservativeRedactor bounds = new ConservativeRedactor();

  public FirewallRedactor(Inspector inspector) {
    this.inspector = inspector;
  }

  @Override
  public String redact(JsonNode arguments) {
    return bounds.redact(arguments == null ? null : inspector.redactAll(arguments));
  }
}
