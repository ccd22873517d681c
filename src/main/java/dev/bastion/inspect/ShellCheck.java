package dev.bastion.inspect;

import java.util.Optional;

/**
 * For arguments that are data, not commands (file names, branch names, search terms passed to a
 * tool that may build a command line): no shell metacharacters and no leading dash.
 */
public final class ShellCheck {
  private ShellCheck() {}

  /** Empty if acceptable, else {@code command_injection} or {@code option_injection}. */
  public static Optional<String> check(String value) {
    String v = value.strip();
    if (v.startsWith("-")) {
      return Optional.of("option_injection");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case ';', '|', '&', '`', '$', '<', '>', '\n', '\r', '\0' -> {
          return Optional.of("command_injection");
        }
        default -> {}
      }
    }
    return Optional.empty();
  }
}
