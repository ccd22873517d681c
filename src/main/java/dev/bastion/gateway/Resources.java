package dev.bastion.gateway;

import dev.bastion.admin.Readiness;
import dev.bastion.audit.AuditHealth;
import dev.bastion.audit.AuditLog;
import dev.bastion.audit.AuditStage;
import dev.bastion.config.BastionConfig;
import dev.bastion.federation.Discovery;
import dev.bastion.flow.FlowSessions;
import dev.bastion.flow.FlowStage;
import dev.bastion.identity.AuthResult;
import dev.bastion.identity.IdentifyStage;
import dev.bastion.inspect.FirewallRedactor;
import dev.bastion.inspect.RequestInspectionStage;
import dev.bastion.inspect.ResponseInspectionStage;
import dev.bastion.mcp.CredentialCheck;
import dev.bastion.mcp.SessionRegistry;
import dev.bastion.pipeline.Exchange;
import dev.bastion.pipeline.Principal;
import dev.bastion.pipeline.Stage;
import dev.bastion.policy.CompiledPolicy;
import dev.bastion.policy.Exposure;
import dev.bastion.policy.PolicyInput;
import dev.bastion.policy.PolicyStage;
import dev.bastion.policy.SessionFacts;
import dev.bastion.policy.Visibility;
import java.util.List;
import java.util.function.Function;

/**
 * The stateful and compiled parts one configuration contributes to the pipeline: authenticators,
 * the compiled policy, and the audit log (kept open across reloads while its settings stay the
 * same, so the hash chain continues).
 */
final class Resources implements AutoCloseable {
  private final BastionConfig config;
  private final IdentifyStage identify;
  private final PolicyStage decide;
  private final Visibility visibility;
  private final AuditLog audit;
  private final AuditStage record;
  private dev.bastion.limits.LimitStage limit;
  private final FlowStage flow;
  private final RequestInspectionStage inspectRequest;
  private final ResponseInspectionStage inspectResponse;
  private final dev.bastion.inspect.ServerMessageFirewall serverMessages;

  private Resources(
      BastionConfig config,
      IdentifyStage identify,
      FlowStage flow,
      PolicyStage decide,
      Visibility visibility,
      AuditLog audit,
      RequestInspectionStage inspectRequest,
      ResponseInspectionStage inspectResponse) {
    this.flow = flow;
    this.config = config;
    this.identify = identify;
    this.decide = decide;
    this.visibility = visibility;
    this.audit = audit;
    this.inspectRequest = inspectRequest;
    this.inspectResponse = inspectResponse;
    FirewallRedactor redactor = new FirewallRedactor(inspectRequest.inspector());
    this.record = new AuditStage(audit, redactor);
    // messages upstreams send on their own (sampling, elicitation, dropped responses): inspected and audited
    this.serverMessages = new dev.bastion.inspect.ServerMessageFirewall(config.firewall(), event -> audit.append(
        dev.bastion.audit.AuditRecords.upstreamEvent(event.server(), event.method(), event.during(),
            event.allowed() ? dev.bastion.audit.AuditRecord.Effect.ALLOW : dev.bastion.audit.AuditRecord.Effect.DENY,
            event.reason() == null ? null : event.reason().wireName(), event.detail(), event.findings(), redactor,
            java.time.Clock.systemUTC())));
  }

  /** The firewall for what upstreams send on their own initiative. */
  dev.bastion.inspect.ServerMessageFirewall serverMessages() {
    return serverMessages;
  }

  static Resources build(BastionConfig config, SessionRegistry sessions, FlowSessions flowSessions, Resources previous) {
    boolean sameAudit = previous != null && previous.config.audit().equals(config.audit()) && previous.config.dataDir().equals(config.dataDir());
    // Opening the audit store (SQLite's native library, schema checks) is independent of compiling
    // the policy: on start-up it runs on a virtual thread while this one compiles.
    java.util.concurrent.FutureTask<AuditLog> opening = sameAudit ? null : new java.util.concurrent.FutureTask<>(() -> AuditLog.open(config.audit(), config.dataDir()));
    if (opening != null) {
      Thread.ofVirtual().name("audit-open").start(opening);
    }
    try {
      return build(config, sessions, flowSessions, previous, opening);
    } catch (RuntimeException | Error e) {
      closeWhenOpened(opening);
      throw e;
    }
  }

  private static Resources build(
      BastionConfig config, SessionRegistry sessions, FlowSessions flowSessions, Resources previous, java.util.concurrent.FutureTask<AuditLog> opening) {
    CompiledPolicy policy = ConfigChecks.compile(config);
    FlowStage flow = new FlowStage(config.flow(), flowSessions);
    Function<Exchange, SessionFacts> sessionFacts =
        exchange ->
            exchange.sessionId() == null
                ? new SessionFacts("", 0, flow.labelsOf(exchange))
                : sessions
                    .peek(exchange.sessionId(), exchange.principal().agentId())
                    .map(s -> new SessionFacts(s.id(), s.callCount(), flow.labelsOf(exchange)))
                    .orElse(new SessionFacts("", 0, flow.labelsOf(exchange)));
    PolicyStage decide = new PolicyStage(() -> policy, sessionFacts);
    RequestInspectionStage inspectRequest = RequestInspectionStage.fromConfig(config.firewall());
    ResponseInspectionStage inspectResponse = new ResponseInspectionStage(
        config.firewall(),
        (exchange, findings) -> policy.decide(PolicyInput.of(exchange, sessionFacts.apply(exchange)).withResponseFindings(findings)).decision());
    config.agents().values().stream()
        .filter(dev.bastion.config.AgentConfig::anonymous)
        .forEach(a -> java.util.logging.Logger.getLogger(Resources.class.getName())
            .warning("agent " + a.id() + " is anonymous: requests without a credential act as it (roles " + a.roles() + ")"));
    AuditLog audit = opening == null ? previous.audit : Joined.join(opening);
    Resources built =
        new Resources(config, IdentifyStage.fromConfig(config), flow, decide, new Visibility(policy), audit, inspectRequest, inspectResponse);
    // limit state (buckets, loop windows) survives a reload that leaves the limits unchanged
    built.limit = previous != null && previous.config.rateLimits().equals(config.rateLimits())
        ? previous.limit
        : new dev.bastion.limits.LimitStage(config.rateLimits());
    return built;
  }

  /** Closes an audit log being opened for a build that failed before using it. */
  private static void closeWhenOpened(java.util.concurrent.FutureTask<AuditLog> opening) {
    if (opening == null) {
      return;
    }
    try {
      Joined.join(opening).close();
    } catch (RuntimeException | Error suppressed) {
      // the build's own failure is the one reported
    }
  }

  Stage identify() {
    return identify;
  }

  Stage limit() {
    return limit;
  }

  Stage flow() {
    return flow;
  }

  /** Hands the tool definitions (quarantined ones included) to flow control: untrusted definitions are untrusted content. */
  void observeDefinitions(List<dev.bastion.federation.Catalog.ServerPart> parts) {
    java.util.Map<String, List<tools.jackson.databind.node.ObjectNode>> byServer = new java.util.LinkedHashMap<>();
    parts.forEach(p -> byServer.put(p.server(), p.tools()));
    flow.definitions(byServer);
  }

  Stage inspectRequest() {
    return inspectRequest;
  }

  Stage inspectResponse() {
    return inspectResponse;
  }

  Stage decide() {
    return decide;
  }

  Stage record() {
    return record;
  }

  Discovery discovery() {
    return (principal, target) -> visibility.exposure(principal, target) == Exposure.VISIBLE ? Discovery.Visibility.SHOWN : Discovery.Visibility.HIDDEN;
  }

  CredentialCheck credentialCheck() {
    return credential -> identify.authenticate(credential) instanceof AuthResult.Authenticated a ? a.principal() : Principal.UNIDENTIFIED;
  }

  long auditBacklog() {
    return audit.backlog();
  }

  List<Readiness> readiness() {
    Readiness.Status status =
        switch (audit.health()) {
          case AuditHealth.Healthy h -> new Readiness.Status.Ready(audit.describeStore());
          case AuditHealth.Unavailable u -> new Readiness.Status.NotReady("audit_unavailable: " + u.reason());
        };
    return List.of(Gateway.readiness("audit", status));
  }

  /** Releases what the replacement does not reuse. */
  void closeReplaced(Resources next) {
    if (next.audit != audit) {
      audit.close();
    }
  }

  @Override
  public void close() {
    audit.close();
  }
}
