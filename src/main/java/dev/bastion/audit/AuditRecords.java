package dev.bastion.audit;

import dev.bastion.pipeline.Decision;
import dev.bastion.pipeline.Exchange;
import dev.bastion.pipeline.ExchangeLog;
import dev.bastion.pipeline.Outcome;
import dev.bastion.pipeline.Principal;
import dev.bastion.pipeline.ReasonCode;
import dev.bastion.pipeline.Target;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Builds unchained {@link AuditRecord}s: one from a completed exchange, or one for a gateway event
 * (such as fail-open being enabled at start-up).
 *
 * <p>Which parts of the exchange are used:
 *
 * <ul>
 *   <li>who: the {@link ExchangeLog}'s principal when identified, else the exchange's;
 *   <li>what: the log's target when routed, else the exchange's; the arguments are {@code
 *       params.arguments} when present (tools/call, prompts/get), else the whole {@code params};
 *   <li>effect: {@code allow} for a success or a relayed upstream error; for a failure {@code ask}
 *       (approval required or an Ask decision), {@code error} (upstream, cancellation, gateway
 *       fault, audit) or {@code deny} (everything else);
 *   <li>rule ids: the decision's, then the fault's, without duplicates;
 *   <li>reason: the fault's code, else the Deny/Ask decision's, else null;
 *   <li>findings: the log's firewall findings (detector, category, direction, action, location;
 *       never the matched text).
 * </ul>
 */
public final class AuditRecords {
  private static final ArgumentRedactor DEFAULT_REDACTOR = new ConservativeRedactor();
  private static final Set<ReasonCode> ERROR_CODES = Set.of(
      ReasonCode.UPSTREAM_UNAVAILABLE, ReasonCode.UPSTREAM_TIMEOUT, ReasonCode.UPSTREAM_PROTOCOL_ERROR,
      ReasonCode.UPSTREAM_RESPONSE_TOO_LARGE, ReasonCode.CANCELLED, ReasonCode.AUDIT_UNAVAILABLE,
      ReasonCode.STAGE_FAILED, ReasonCode.SHUTTING_DOWN);

  private AuditRecords() {}

  /** The record of a completed exchange, redacted by the {@link ConservativeRedactor}. */
  public static AuditRecord from(Exchange exchange, ExchangeLog log, Outcome outcome) {
    return from(exchange, log, outcome, DEFAULT_REDACTOR, null);
  }

  /**
   * The record of a completed exchange.
   *
   * @param traceId W3C trace id of the exchange, or null
   */
  public static AuditRecord from(Exchange exchange, ExchangeLog log, Outcome outcome, ArgumentRedactor redactor, String traceId) {
    Principal who = log.principal().identified() ? log.principal() : exchange.principal();
    Target target = log.target().kind() != Target.Kind.GATEWAY ? log.target() : exchange.target();
    JsonNode args = arguments(exchange.params());
    Decision decision = log.decision();

    List<String> rules = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    if (decision != null) {
      seen.addAll(decision.ruleIds());
    }
    if (outcome instanceof Outcome.Failure f) {
      seen.addAll(f.fault().ruleIds());
    }
    rules.addAll(seen);

    Duration latency = log.upstreamLatency();
    Instant time = exchange.receivedAt() != null ? exchange.receivedAt() : Instant.now();
    return new AuditRecord(0, time, exchange.id(), who.agentId(), who.userId(), exchange.sessionId(),
        exchange.era().name().toLowerCase(Locale.ROOT), exchange.protocolVersion(), exchange.method(),
        target.server(), target.exposedName(), CanonicalJson.sha256Hex(args), redactor.redact(args),
        effect(decision, outcome), rules, reason(decision, outcome), latency == null ? null : latency.toMillis(),
        log.upstreamOutcome(), resultDigest(outcome), log.labels(), traceId, AuditRecord.FORMAT, log.findings(), null, null);
  }

  /**
   * A record of something the gateway itself did (agent {@code "bastion"}, method {@code
   * "bastion/<event>"}, effect allow), with {@code detail} as its arguments.
   */
  public static AuditRecord gatewayEvent(String event, ObjectNode detail, Clock clock) {
    String id = "bastion-" + event + "-" + clock.instant().toEpochMilli();
    return new AuditRecord(0, clock.instant(), id, "bastion", null, null, "gateway", null, "bastion/" + event, "", "",
        CanonicalJson.sha256Hex(detail), CanonicalJson.write(detail), AuditRecord.Effect.ALLOW, List.of(), null, null,
        null, null, List.of(), null, null, null);
  }

  /**
   * A record of a message an upstream sent on its own initiative (a sampling, elicitation or roots
   * request; a dropped response): agent {@code ""}, era {@code upstream}, the upstream as server,
   * the request's method (or {@code bastion/dropped}) as method and the gateway call it arrived with
   * (if known) as target; {@code detail} redacted as arguments.
   *
   * @param reason the reason code's wire name when refused, else null
   */
  public static AuditRecord upstreamEvent(String server, String method, String during, AuditRecord.Effect effect, String reason,
      JsonNode detail, List<dev.bastion.pipeline.Finding> findings, ArgumentRedactor redactor, Clock clock) {
    Instant now = clock.instant();
    JsonNode args = detail == null ? JsonNodeFactory.instance.nullNode() : detail;
    String id = "upstream-" + server + "-" + now.toEpochMilli() + "-" + UPSTREAM_EVENTS.incrementAndGet();
    return new AuditRecord(0, now, id, "", null, null, "upstream", null, method, server, during == null ? "" : during,
        CanonicalJson.sha256Hex(args), redactor.redact(args), effect, List.of(), reason, null, null, null, List.of(), null,
        AuditRecord.FORMAT, findings, null, null);
  }

  private static final java.util.concurrent.atomic.AtomicLong UPSTREAM_EVENTS = new java.util.concurrent.atomic.AtomicLong();

  static JsonNode arguments(ObjectNode params) {
    if (params == null) {
      return JsonNodeFactory.instance.nullNode();
    }
    JsonNode a = params.get("arguments");
    return a != null && a.isObject() ? a : params;
  }

  static AuditRecord.Effect effect(Decision decision, Outcome outcome) {
    return switch (outcome) {
      case Outcome.Success s -> AuditRecord.Effect.ALLOW;
      case Outcome.UpstreamError e -> AuditRecord.Effect.ALLOW;
      case Outcome.Failure f -> {
        if (f.fault().code() == ReasonCode.APPROVAL_REQUIRED || decision instanceof Decision.Ask) {
          yield AuditRecord.Effect.ASK;
        }
        yield ERROR_CODES.contains(f.fault().code()) ? AuditRecord.Effect.ERROR : AuditRecord.Effect.DENY;
      }
    };
  }

  static String reason(Decision decision, Outcome outcome) {
    if (outcome instanceof Outcome.Failure f) {
      return f.fault().code().wireName();
    }
    return switch (decision) {
      case null -> null;
      case Decision.Allow a -> null;
      case Decision.Deny d -> d.reason().wireName();
      case Decision.Ask a -> ReasonCode.APPROVAL_REQUIRED.wireName();
    };
  }

  static String resultDigest(Outcome outcome) {
    return switch (outcome) {
      case Outcome.Success s -> s.result() == null ? null : CanonicalJson.sha256Hex(s.result());
      case Outcome.UpstreamError e -> {
        ObjectNode error = JsonNodeFactory.instance.objectNode();
        error.put("code", e.code());
        error.put("message", e.message());
        error.set("data", e.data());
        yield CanonicalJson.sha256Hex(error);
      }
      case Outcome.Failure f -> null;
    };
  }
}
