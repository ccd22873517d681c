package dev.bastion.telemetry;

import dev.bastion.pipeline.Decision;
import dev.bastion.pipeline.Exchange;
import dev.bastion.pipeline.Outcome;
import dev.bastion.pipeline.Stage;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import java.time.Duration;

/**
 * Wraps one stage so that its part of the work becomes a child span (and, for policy and audit, a
 * metric), without the stage knowing. The stage's name, and so its fault messages, are unchanged.
 */
final class PhaseStage implements Stage {
  private final Stage stage;
  private final Phase phase;
  private final Tracer tracer;
  private final GatewayMetrics metrics;

  PhaseStage(Stage stage, Phase phase, Tracer tracer, GatewayMetrics metrics) {
    this.stage = stage;
    this.phase = phase;
    this.tracer = tracer;
    this.metrics = metrics;
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
    Before hand = new Before(tracer.spanBuilder(phase.spanName).setSpanKind(SpanKind.INTERNAL).startSpan(), exchange, chain);
    try {
      return stage.handle(exchange, hand);
    } finally {
      hand.end();
    }
  }

  /** The chain a BEFORE phase hands on to: ends the phase's span at the hand-off (one object per call). */
  private final class Before implements Chain {
    private final Span span;
    private final Exchange exchange;
    private final Chain chain;
    private boolean ended;

    Before(Span span, Exchange exchange, Chain chain) {
      this.span = span;
      this.exchange = exchange;
      this.chain = chain;
    }

    void end() {
      if (!ended) {
        ended = true;
        PhaseStage.this.end(span, exchange);
      }
    }

    @Override
    public Outcome proceed(Exchange next) {
      end();
      return chain.proceed(next);
    }
  }

  private void end(Span span, Exchange exchange) {
    if (phase == Phase.POLICY) {
      Decision d = exchange.log().decision();
      if (d != null) {
        String effect = effect(d);
        String reason =
            switch (d) {
              case Decision.Allow a -> "";
              case Decision.Deny deny -> deny.reason().wireName();
              case Decision.Ask a -> "approval_required";
            };
        metrics.decision(effect, reason);
        span.setAttribute(SemConv.DECISION, effect);
        if (!d.ruleIds().isEmpty()) {
          span.setAttribute(SemConv.RULE_IDS, d.ruleIds());
        }
        if (!(d instanceof Decision.Allow)) {
          span.addEvent("bastion.policy.denied", Attributes.of(SemConv.REASON, reason, SemConv.RULE_IDS, d.ruleIds()));
        }
      }
    }
    span.end();
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
      if (hand.span != null) {
        hand.span.end();
        if (phase == Phase.AUDIT) {
          metrics.auditWrite(Duration.ofNanos(System.nanoTime() - hand.resumed));
        }
      }
    }
  }

  /** The chain an AFTER phase hands on to: starts the phase's span when the rest of the pipeline returns. */
  private final class After implements Chain {
    private final Chain chain;
    private Span span;
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
        span = tracer.spanBuilder(phase.spanName).setSpanKind(SpanKind.INTERNAL).startSpan();
      }
    }
  }
}
