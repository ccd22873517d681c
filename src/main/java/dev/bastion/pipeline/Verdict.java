package dev.bastion.pipeline;

import tools.jackson.databind.JsonNode;

/** What an inspector concluded about content passing through the gateway. */
public sealed interface Verdict {

  /** Nothing to change. */
  record Pass() implements Verdict {}

  /** Forward the rewritten content instead of the original. */
  record Redact(JsonNode replacement, String summary) implements Verdict {}

  /** Refuse the exchange. */
  record Block(ReasonCode reason, String message) implements Verdict {}

  Verdict PASS = new Pass();
}
