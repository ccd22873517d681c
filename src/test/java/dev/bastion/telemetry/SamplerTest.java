package dev.bastion.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingDecision;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code telemetry.traces.sample_ratio}: parent-based, so an agent's sampling decision is honoured. */
class SamplerTest {
  static final String TRACE = "0af7651916cd43dd8448eb211c80319c";

  static SamplingDecision decide(Sampler s, Context parent, String traceId) {
    return s.shouldSample(parent, traceId, "tools/call", SpanKind.SERVER, Attributes.empty(), List.of()).getDecision();
  }

  static Context agent(boolean sampled) {
    return Context.root().with(Span.wrap(SpanContext.createFromRemoteParent(
        TRACE, "b7ad6b7169203331", sampled ? TraceFlags.getSampled() : TraceFlags.getDefault(), TraceState.getDefault())));
  }

  @Test
  void aRatioOfZeroRecordsNoNewTraceButFollowsAnAgentThatSampled() {
    Sampler s = Telemetry.sampler(0);
    assertThat(decide(s, Context.root(), TRACE)).isEqualTo(SamplingDecision.DROP);
    assertThat(decide(s, agent(true), TRACE)).isEqualTo(SamplingDecision.RECORD_AND_SAMPLE);
  }

  @Test
  void aRatioOfOneRecordsEveryNewTraceButNotOneTheAgentDidNotSample() {
    Sampler s = Telemetry.sampler(1);
    assertThat(decide(s, Context.root(), TRACE)).isEqualTo(SamplingDecision.RECORD_AND_SAMPLE);
    assertThat(decide(s, agent(false), TRACE)).isEqualTo(SamplingDecision.DROP);
  }

  @Test
  void aRatioInBetweenKeepsOrDropsByTraceId() {
    Sampler s = Telemetry.sampler(0.5);
    // the ratio sampler compares the trace id's low 8 bytes with ratio * Long.MAX_VALUE
    assertThat(decide(s, Context.root(), "00000000000000000000000000000001")).isEqualTo(SamplingDecision.RECORD_AND_SAMPLE);
    assertThat(decide(s, Context.root(), "00000000000000007fffffffffffffff")).isEqualTo(SamplingDecision.DROP);
  }
}
