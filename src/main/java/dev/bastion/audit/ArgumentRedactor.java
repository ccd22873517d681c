package dev.bastion.audit;

import tools.jackson.databind.JsonNode;

/**
 * Turns an exchange's arguments into the copy an audit record may store: secrets replaced, size
 * bounded. Implementations must never return the input's secrets and must be thread-safe. The
 * firewall's detectors will provide a richer implementation; {@link ConservativeRedactor} is the
 * default until then.
 */
@FunctionalInterface
public interface ArgumentRedactor {

  /** The redacted arguments as JSON text ({@code null} arguments give {@code "null"}). */
  String redact(JsonNode arguments);
}
