package dev.bastion.pipeline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The record of one exchange, filled in by the stages as it passes (who, what was decided, how the
 * upstream answered) and read once, by the recorder, when it completes. Stages run one after the
 * other on one thread, so this needs no locking; it is never shared between exchanges.
 */
public final class ExchangeLog {
  private List<String> labels = List.of();
  private Principal principal = Principal.UNIDENTIFIED;
  private Target target = Target.GATEWAY;
  private Decision decision;
  private String createdSessionId;
  private Duration upstreamLatency;
  private String upstreamOutcome;
  // created on first use: most exchanges have no notes, shadow decisions or findings
  private List<String> notes;
  private List<String> shadowDecisions;
  private List<Finding> findings;
  private tools.jackson.databind.JsonNode originalResult;

  public Principal principal() {
    return principal;
  }

  public void principal(Principal p) {
    this.principal = p;
  }

  public Target target() {
    return target;
  }

  public void target(Target t) {
    this.target = t;
  }

  public Decision decision() {
    return decision;
  }

  public void decision(Decision d) {
    this.decision = d;
  }

  /** Set by the dispatcher when an initialize created a legacy session; the listener returns it. */
  public String createdSessionId() {
    return createdSessionId;
  }

  public void createdSessionId(String id) {
    this.createdSessionId = id;
  }

  public Duration upstreamLatency() {
    return upstreamLatency;
  }

  public String upstreamOutcome() {
    return upstreamOutcome;
  }

  public void upstream(Duration latency, String outcome) {
    this.upstreamLatency = latency;
    this.upstreamOutcome = outcome;
  }

  /** Free-form, low-cardinality annotations from stages (e.g. "shadow rule r1 would deny"). */
  public void note(String note) {
    (notes == null ? notes = new ArrayList<>(4) : notes).add(note);
  }

  public List<String> notes() {
    return notes == null ? List.of() : Collections.unmodifiableList(notes);
  }

  public void shadow(String decision) {
    (shadowDecisions == null ? shadowDecisions = new ArrayList<>(4) : shadowDecisions).add(decision);
  }

  public List<String> shadowDecisions() {
    return shadowDecisions == null ? List.of() : Collections.unmodifiableList(shadowDecisions);
  }

  /** The session's information-flow labels once the exchange is done (set by the flow stage). */
  public void labels(List<String> labels) {
    this.labels = List.copyOf(labels);
  }

  public List<String> labels() {
    return labels;
  }

  /** Adds what the firewall's inspection found (request or response side). */
  public void findings(List<Finding> found) {
    if (found.isEmpty()) {
      return;
    }
    (findings == null ? findings = new ArrayList<>(found.size()) : findings).addAll(found);
  }

  public List<Finding> findings() {
    return findings == null ? List.of() : Collections.unmodifiableList(findings);
  }

  /**
   * Keeps the result as the upstream returned it, when a stage (the firewall's redaction) rewrites
   * it before the agent sees it. Only for stages that reason about what a source produced (flow
   * provenance); never written to audit, logs or traces.
   */
  public void originalResult(tools.jackson.databind.JsonNode result) {
    if (originalResult == null) {
      this.originalResult = result;
    }
  }

  /** The upstream's result before any rewriting, or null when nothing rewrote it. */
  public tools.jackson.databind.JsonNode originalResult() {
    return originalResult;
  }
}
