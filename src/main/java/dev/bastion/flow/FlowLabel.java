package dev.bastion.flow;

import dev.bastion.config.FlowConfig.Integrity;
import dev.bastion.config.FlowConfig.Sink;
import java.util.List;
import java.util.Objects;

/**
 * What one server, tool or resource is, for information flow: how confidential its outputs are,
 * whether they can be trusted, where its inputs go, and which of its arguments say where a
 * consequential action goes (the "key arguments": recipient, account, URL).
 *
 * @param confidentiality {@code public}, {@code internal}, {@code private} or a custom name (ranked
 *     like private)
 * @param consequential whether calling it changes something (not read-only)
 */
public record FlowLabel(String confidentiality, Integrity integrity, Sink sink, List<String> keyArguments, boolean consequential) {
  public static final String PUBLIC = "public";
  public static final String INTERNAL = "internal";
  public static final String PRIVATE = "private";
  public static final String UNTRUSTED = "untrusted";

  public FlowLabel {
    Objects.requireNonNull(confidentiality, "confidentiality");
    Objects.requireNonNull(integrity, "integrity");
    Objects.requireNonNull(sink, "sink");
    keyArguments = List.copyOf(keyArguments);
  }

  /** 0 public, 1 internal, 2 private and every custom label. */
  public static int rank(String confidentiality) {
    return switch (confidentiality) {
      case PUBLIC -> 0;
      case INTERNAL -> 1;
      default -> 2;
    };
  }

  /** Whether outputs with this label are sensitive enough to fingerprint for exfiltration checks. */
  public boolean sensitive() {
    return rank(confidentiality) >= 2;
  }

  /** The session labels reading an output with this label adds ("public" adds none). */
  public List<String> sessionLabels() {
    List<String> out = new java.util.ArrayList<>();
    if (rank(confidentiality) > 0) {
      out.add(confidentiality);
    }
    if (integrity == Integrity.UNTRUSTED) {
      out.add(UNTRUSTED);
    }
    return out;
  }
}
