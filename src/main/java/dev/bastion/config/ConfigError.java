package dev.bastion.config;

import java.util.Objects;

/**
 * One problem found in a configuration file.
 *
 * @param path where in the document, e.g. {@code upstreams.files.command[1]}; empty for problems
 *     with the file as a whole (unreadable, too large, YAML syntax)
 * @param line 1-based line of the offending node; 0 when the problem has no position
 * @param column 1-based column of the offending node; 0 when the problem has no position
 * @param message what is wrong and what was expected; never contains the value of a
 *     {@code ${env:NAME}} reference
 */
public record ConfigError(String path, int line, int column, String message) {

  public ConfigError {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(message, "message");
  }

  /** {@code 12:5 upstreams.files.command[1]: message}, or just the message when there is no position. */
  public String describe() {
    StringBuilder sb = new StringBuilder();
    if (line > 0) {
      sb.append(line).append(':').append(column).append(' ');
    }
    if (!path.isEmpty()) {
      sb.append(path).append(": ");
    }
    return sb.append(message).toString();
  }

  @Override
  public String toString() {
    return describe();
  }
}
