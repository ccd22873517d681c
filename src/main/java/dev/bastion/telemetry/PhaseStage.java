package dev.bastion.telemetry;

import dev.bastion.pipeline.Decision;
import dev.bastion.pipeline.Exchange;
import dev.bastion.pipeline.Outcome;
import dev.bastion.pipeline.Stage;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.common.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Wraps one stage so that its part of the work becomes a child span (and, for policy and audit, a
 * metric), without the stage knowing. The stage's name, and so its fault messages, are unchanged.
 * The span is made when the phase ends, back-dated to its start, and only when the phase took at
 * least {@code telemetry.traces.min_phase_duration} or the policy refused: a phase that took no
 * measurable time costs no span to build, encode and export (the metrics are recorded either way).
 */
final class PhaseStage implements Stage {
  private static final Clock CLOCK = Clock.getDefault();

  private final Stage stage;
  private final Phase phase;
  private final Tracer tracer;
  private final GatewayMetrics metrics;
  private final long minNanos;

  PhaseStage(Stage stage, Phase phase, Tracer tracer, GatewayMetrics metrics, Duration minPhaseDuration) {
    this.stage = stage;
    this.phase = phase;
    this.tracer = tracer;
    this.metrics = metrics;
    this.minNanos = minPhaseDuration.toNanos();
  }

  @Override
  public String name() {
    return stage.name();
  }

  @Override
  public Outcome handle(Exchange exchange, Chain chain) {
    return phase.mode == Phase.Mode.BEFORE ? before(exchange, chain) : after(exchange, chain);
  }

  private Outcome before(Exchange exchange, Chain chain) {
    Before hand = new Before(exchange, chain, System.nanoTime());
    try {
      return stage.handle(exchange, hand);
    } finally {
      hand.end();
    }
  }

  /** The chain a BEFORE phase hands on to: the phase ends at the hand-off (one object per call). */
  private final class Before implements Chain {
    private final Exchange exchange;
    private final Chain chain;
    private final long started;
    private boolean ended;

    Before(Exchange exchange, Chain chain, long started) {
      this.exchange = exchange;
      this.chain = chain;
      this.started = started;
    }

    void end() {
      if (!ended) {
        ended = true;
        PhaseStage.this.end(started, exchange);
      }
    }

    @Override
    public Outcome proceed(Exchange next) {
      end();
      return chain.proceed(next);
    }
  }

  /**
   * Reports a BEFORE phase that started at {@code started} (nanoTime) and ends now: the decision
   * metric always; a span when the phase took at least the minimum or refused (its event).
   */
  private void end(long started, Exchange exchange) {
    long took = System.nanoTime() - started;
    Decision d = phase == Phase.POLICY ? exchange.log().decision() : null;
    String effect = null;
    String reason = null;
    if (d != null) {
      effect = effect(d);
      reason =
          switch (d) {
            case Decision.Allow a -> "";
            case Decision.Deny deny -> deny.reason().wireName();
            case Decision.Ask a -> "approval_required";
          };
      metrics.decision(effect, reason);
    }
    boolean refused = d != null && !(d instanceof Decision.Allow);
    if (took < minNanos && !refused) {
      return;
    }
    long now = CLOCK.now();
    Span span = span(now, took);
    if (d != null) {
      span.setAttribute(SemConv.DECISION, effect);
      if (!d.ruleIds().isEmpty()) {
        span.setAttribute(SemConv.RULE_IDS, d.ruleIds());
      }
      if (refused) {
        span.addEvent("bastion.policy.denied", Attributes.of(SemConv.REASON, reason, SemConv.RULE_IDS, d.ruleIds()), now, TimeUnit.NANOSECONDS);
      }
    }
    span.end(now, TimeUnit.NANOSECONDS);
  }

  /** A child span of the current (server) span, for a phase that ended at {@code now} (epoch ns) and took {@code took} ns. */
  private Span span(long now, long took) {
    return tracer.spanBuilder(phase.spanName).setSpanKind(SpanKind.INTERNAL).setStartTimestamp(now - took, TimeUnit.NANOSECONDS).startSpan();
  }

  static String effect(Decision d) {
    return switch (d) {
      case Decision.Allow a -> "allow";
      case Decision.Deny deny -> "deny";
      case Decision.Ask a -> "ask";
    };
  }

  private Outcome after(Exchange exchange, Chain chain) {
    After hand = new After(chain);
    try {
      return stage.handle(exchange, hand);
    } finally {
      if (hand.returned) {
        long took = System.nanoTime() - hand.resumed;
        if (phase == Phase.AUDIT) {
          metrics.auditWrite(took);
        }
        if (took >= minNanos) {
          long now = CLOCK.now();
          span(now, took).end(now, TimeUnit.NANOSECONDS);
        }
      }
    }
  }

  /** The chain an AFTER phase hands on to: the phase starts when the rest of the pipeline returns. */
  private static final class After implements Chain {
    private final Chain chain;
    private boolean returned;
    private long resumed;

    After(Chain chain) {
      this.chain = chain;
    }

    @Override
    public Outcome proceed(Exchange next) {
      try {
        return chain.proceed(next);
      } finally {
        resumed = System.nanoTime();
        returned = true;
      }
    }
  }
}
