package dev.bastion.inspect;

/**
 * One detector match in a canonical text: {@code [start, end)} is the span to replace when the
 * action is redact (an empty span when the match was in hidden text that canonicalisation already
 * removed). Never holds the matched text.
 */
public record Hit(Category category, String detector, int start, int end) {

  /** The detector families; each has a default action per direction (see {@link FirewallRules}). */
  public enum Category {
    SECRET("secret"),
    PII("pii"),
    INJECTION("injection"),
    OBFUSCATION("obfuscation"),
    ARGUMENT("argument");

    private final String id;

    Category(String id) {
      this.id = id;
    }

    public String id() {
      return id;
    }
  }
}
