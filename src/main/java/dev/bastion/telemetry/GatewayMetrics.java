package dev.bastion.telemetry;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The gateway's instruments, registered once at start-up. Other packages report through the
 * public methods; gauges read an {@link Observed} source on each collection. Instruments exist
 * even while nothing reports to them (the firewall ones stay zero until the firewall reports),
 * so dashboards and alerts can be written against a stable set of names.
 */
public final class GatewayMetrics {
  private final DoubleHistogram serverDuration;
  private final DoubleHistogram clientDuration;
  private final LongCounter decisions;
  private final LongCounter limitRejections;
  private final DoubleHistogram auditWrite;
  private final LongCounter findings;
  private final LongCounter notifications;
  private final AtomicReference<Observed> observed = new AtomicReference<>(Observed.NONE);
  // attribute sets of the counters, built once per combination (effects, reason codes, detectors)
  private final AttributeCache<Pair, Attributes> decisionAttributes =
      new AttributeCache<>(p -> Attributes.of(SemConv.EFFECT, p.a(), SemConv.REASON, p.b()));
  private final AttributeCache<String, Attributes> limitAttributes = new AttributeCache<>(reason -> Attributes.of(SemConv.REASON, reason));
  private final AttributeCache<Pair, Attributes> findingAttributes =
      new AttributeCache<>(p -> Attributes.of(SemConv.DETECTOR, p.a(), SemConv.ACTION, p.b()));

  private final AttributeCache<Pair, Attributes> notificationAttributes =
      new AttributeCache<>(p -> Attributes.of(SemConv.MCP_METHOD_NAME, p.a(), SemConv.UPSTREAM, p.b()));

  private record Pair(String a, String b) {}

  /** What the gauges read; the gateway supplies it once its parts exist. */
  public interface Observed {
    Observed NONE = new Observed() {};

    default long activeSessions() {
      return 0;
    }

    default long auditBacklog() {
      return 0;
    }

    /** Upstream name to its health state name (ready, restarting, failed, ...). */
    default Map<String, String> upstreamHealth() {
      return Map.of();
    }

    /** Upstream name to how many times its process was restarted since the gateway started. */
    default Map<String, Long> upstreamRestarts() {
      return Map.of();
    }

    /** Upstream name to how many of its tools are quarantined (withheld) right now. */
    default Map<String, Long> quarantinedTools() {
      return Map.of();
    }
  }

  GatewayMetrics(Meter meter) {
    serverDuration =
        meter.histogramBuilder("mcp.server.operation.duration")
            .setUnit("s")
            .setDescription("MCP request or notification duration as observed by the gateway, from receipt until the result or ack is ready")
            .setExplicitBucketBoundariesAdvice(SemConv.DURATION_BUCKETS)
            .build();
    clientDuration =
        meter.histogramBuilder("mcp.client.operation.duration")
            .setUnit("s")
            .setDescription("Duration of an MCP request the gateway sent to an upstream, until its response arrived")
            .setExplicitBucketBoundariesAdvice(SemConv.DURATION_BUCKETS)
            .build();
    decisions =
        meter.counterBuilder("bastion.policy.decisions").setUnit("{decision}").setDescription("Policy decisions by effect and reason code").build();
    limitRejections =
        meter.counterBuilder("bastion.limit.rejections").setUnit("{request}").setDescription("Requests refused by a limit, by reason code").build();
    auditWrite =
        meter.histogramBuilder("bastion.audit.write.duration")
            .setUnit("s")
            .setDescription("Time from handing an exchange's record to the audit log until it was accepted (durable in sync mode)")
            .setExplicitBucketBoundariesAdvice(SemConv.AUDIT_BUCKETS)
            .build();
    findings =
        meter.counterBuilder("bastion.firewall.findings").setUnit("{finding}").setDescription("Content firewall findings by detector and action").build();
    notifications =
        meter.counterBuilder("bastion.upstream.notifications").setUnit("{notification}")
            .setDescription("Notifications upstreams sent the gateway (progress relayed to the agent's call, list_changed, logging, ...), by method and upstream")
            .build();
    meter.gaugeBuilder("bastion.firewall.quarantined_tools").ofLongs().setUnit("{tool}").setDescription("Tools currently quarantined, by upstream")
        .buildWithCallback(m -> observed.get().quarantinedTools().forEach((name, n) -> m.record(n, Attributes.of(SemConv.UPSTREAM, name))));
    meter.gaugeBuilder("bastion.sessions.active").ofLongs().setUnit("{session}").setDescription("Legacy-era sessions currently held")
        .buildWithCallback(m -> m.record(observed.get().activeSessions()));
    meter.gaugeBuilder("bastion.audit.backlog").ofLongs().setUnit("{record}").setDescription("Audit records queued and not yet written")
        .buildWithCallback(m -> m.record(observed.get().auditBacklog()));
    meter.gaugeBuilder("bastion.upstream.health").ofLongs().setUnit("1")
        .setDescription("1 for each upstream's current health state (ready, starting, restarting, failed, closed)")
        .buildWithCallback(m -> observed.get().upstreamHealth().forEach((name, state) ->
            m.record(1, Attributes.of(SemConv.UPSTREAM, name, SemConv.STATE, state))));
    meter.counterBuilder("bastion.upstream.restarts").setUnit("{restart}").setDescription("Upstream process restarts after an exit or crash")
        .buildWithCallback(m -> observed.get().upstreamRestarts().forEach((name, n) -> m.record(n, Attributes.of(SemConv.UPSTREAM, name))));
  }

  /** Sets what the gauges read. */
  public void observe(Observed source) {
    observed.set(source == null ? Observed.NONE : source);
  }

  void serverOperation(long nanos, Attributes attributes) {
    serverDuration.record(seconds(nanos), attributes);
  }

  void clientOperation(long nanos, Attributes attributes) {
    clientDuration.record(seconds(nanos), attributes);
  }

  /** One policy decision; {@code reason} is the reason code, empty for allow. */
  void decision(String effect, String reason) {
    decisions.add(1, decisionAttributes.get(new Pair(effect, reason)));
  }

  void limitRejected(String reason) {
    limitRejections.add(1, limitAttributes.get(reason));
  }

  void auditWrite(long nanos) {
    auditWrite.record(seconds(nanos));
  }

  /** A content-firewall finding: which detector fired and what was done (block, redact, record). */
  void finding(String detector, String action) {
    findings.add(1, findingAttributes.get(new Pair(detector, action)));
  }

  /** A notification from an upstream; {@code method} is already bounded ({@link UpstreamNotifications#method}). */
  void notification(String method, String upstream) {
    notifications.add(1, notificationAttributes.get(new Pair(method, upstream)));
  }

  private static double seconds(long nanos) {
    return nanos / 1e9;
  }
}
