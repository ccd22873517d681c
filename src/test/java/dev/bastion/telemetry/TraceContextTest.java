package dev.bastion.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bastion.mcp.InboundTrace;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/** W3C context from _meta or the HTTP header, and what is written for the upstream. */
class TraceContextTest {
  static final String META = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  static final String HEADER = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

  static ObjectNode params(String json) {
    return (ObjectNode) TraceRecordingServer.JSON.readTree(json);
  }

  static SpanContext extracted(ObjectNode params, InboundTrace http) {
    return ScopedValue.where(InboundTrace.CURRENT, http).call(() -> Span.fromContext(TraceContext.extract(params)).getSpanContext());
  }

  @Test
  void metaWinsOverTheHeaderAndTheHeaderIsUsedWhenMetaIsAbsentOrInvalid() {
    InboundTrace http = new InboundTrace(HEADER, "vendor=1");
    assertThat(extracted(params("{\"_meta\":{\"traceparent\":\"" + META + "\"}}"), http).getTraceId()).isEqualTo("0af7651916cd43dd8448eb211c80319c");
    assertThat(extracted(params("{}"), http).getTraceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    SpanContext fromHeader = extracted(params("{\"_meta\":{\"traceparent\":\"garbage\"}}"), http);
    assertThat(fromHeader.getTraceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    assertThat(fromHeader.getTraceState().get("vendor")).isEqualTo("1");
    assertThat(extracted(params("{\"_meta\":{\"traceparent\":42}}"), InboundTrace.NONE).isValid()).isFalse();
    assertThat(extracted(null, InboundTrace.NONE).isValid()).isFalse();
  }

  @Test
  void injectReplacesTheAgentsFieldsKeepsOtherMetaAndDoesNotTouchTheOriginal() {
    ObjectNode original = params("{\"name\":\"t\",\"_meta\":{\"traceparent\":\"" + META + "\",\"tracestate\":\"x=y\",\"progressToken\":7}}");
    String before = original.toString();
    SpanContext sc = SpanContext.create("11111111111111111111111111111111", "2222222222222222", TraceFlags.getSampled(), TraceState.getDefault());
    ObjectNode out = TraceContext.inject(original, Context.root().with(Span.wrap(sc)));
    assertThat(original.toString()).isEqualTo(before);
    assertThat(out.path("_meta").path("traceparent").asString()).isEqualTo("00-11111111111111111111111111111111-2222222222222222-01");
    assertThat(out.path("_meta").has("tracestate")).isFalse();
    assertThat(out.path("_meta").path("progressToken").asInt()).isEqualTo(7);
    assertThat(out.path("name").asString()).isEqualTo("t");
  }

  @Test
  void withoutAValidContextTheAgentsTraceFieldsAreRemoved() {
    ObjectNode out = TraceContext.inject(params("{\"_meta\":{\"traceparent\":\"bad\\r\\nX: 1\"}}"), Context.root());
    assertThat(out.has("_meta")).isFalse();
    assertThat(TraceContext.inject(null, Context.root())).isEmpty();
  }
}
