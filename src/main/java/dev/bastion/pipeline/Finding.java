package dev.bastion.pipeline;

import java.util.Objects;

/**
 * Something the firewall's inspection found in an exchange (a secret, PII, an injection attempt,
 * obfuscation, a failed argument check). Findings never carry the matched text itself, only where it
 * was and what was done about it, so they may go to policy, audit and logs as they are.
 *
 * @param category {@code secret}, {@code pii}, {@code injection}, {@code obfuscation} or {@code argument}
 * @param detector the detector's stable id, e.g. {@code aws_access_key}, {@code path_traversal}
 * @param direction {@code request}, {@code response} or {@code server_request}
 * @param action what was done: {@code block}, {@code redact} or {@code record}
 * @param location a JSON pointer-like path to the field (e.g. {@code /arguments/path}), never content
 */
public record Finding(String category, String detector, String direction, String action, String location) {
  public Finding {
    Objects.requireNonNull(category, "category");
    Objects.requireNonNull(detector, "detector");
    Objects.requireNonNull(direction, "direction");
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(location, "location");
  }
}
