package dev.bastion.config;

/**
 * A configured value that may hold a credential (an upstream header, an environment variable passed
 * to a server). Its text is reachable only through {@link #reveal()}; {@link #toString()} never
 * shows it, so a secret that slips into a log line shows as {@code <redacted>}.
 */
public final class Secret {
  private final String value;
  private final boolean fromReference;

  private Secret(String value, boolean fromReference) {
    this.value = value;
    this.fromReference = fromReference;
  }

  public static Secret of(String value, boolean fromReference) {
    return new Secret(value, fromReference);
  }

  public String reveal() {
    return value;
  }

  /** True when the value came from a {@code ${env:NAME}} reference rather than literal text. */
  public boolean fromReference() {
    return fromReference;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Secret s && s.value.equals(value);
  }

  @Override
  public int hashCode() {
    return value.hashCode();
  }

  @Override
  public String toString() {
    return "<redacted>";
  }
}
