package dev.bastion.config;

import java.util.List;

/** The policy as written: a default effect and an ordered list of rules with CEL conditions. */
public record PolicyConfig(Effect defaultEffect, List<Rule> rules) {

  public enum Effect {
    ALLOW,
    DENY,
    ASK
  }

  public enum Mode {
    ENFORCE,
    SHADOW
  }

  /**
   * @param when a CEL expression; {@code "true"} when omitted
   * @param line where the rule starts in the config file, for error messages
   */
  public record Rule(String id, Effect effect, String when, Mode mode, String description, int line) {}

  public PolicyConfig {
    rules = List.copyOf(rules);
  }

  public static final PolicyConfig DENY_ALL = new PolicyConfig(Effect.DENY, List.of());
}
