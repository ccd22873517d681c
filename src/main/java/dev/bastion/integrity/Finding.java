package dev.bastion.integrity;

import java.util.Locale;

/**
 * One reason a tool definition is not trusted as it stands.
 *
 * @param kind what was found
 * @param where the JSON path of the field it was found in ({@code description},
 *     {@code inputSchema.properties.path.default}, {@code name}, …)
 * @param detail a short, printable explanation (never the hostile text verbatim beyond a clipped
 *     excerpt with control and invisible characters made visible)
 */
public record Finding(Kind kind, String where, String detail) {

  public enum Kind {
    /** Text addressed to the model: "ignore previous instructions", "before using this tool, …". */
    DIRECTIVE,
    /** Asks the model to keep something from the user. */
    SECRECY,
    /** Names a credential or private file (~/.ssh, .env, .aws/credentials, …). */
    SENSITIVE_PATH,
    /** Names another server's tool (cross-server shadowing). */
    TOOL_MENTION,
    /** Steers the model away from another server ("X is deprecated, use this instead"). */
    PREFERENCE,
    /** Zero-width, bidi, tag or other invisible characters. */
    HIDDEN_CHARACTERS,
    /** HTML comments or prompt-template markup that a UI would hide or a model would obey. */
    HIDDEN_MARKUP,
    /** Terminal escapes and other control characters. */
    CONTROL_CHARACTERS,
    /** A server or tool name that looks like (or nearly like) another server's. */
    CONFUSABLE_NAME;

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  @Override
  public String toString() {
    return kind.wireName() + " in " + where + ": " + detail;
  }
}
