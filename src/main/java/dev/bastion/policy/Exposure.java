package dev.bastion.policy;

/** Whether a tool, resource or prompt is shown to an agent at discovery. */
public enum Exposure {
  /** Some rule could allow (or ask for) a call to it, for some arguments. */
  VISIBLE,
  /** No call to it could be allowed: listing it would only advertise what the agent can't use. */
  HIDDEN
}
