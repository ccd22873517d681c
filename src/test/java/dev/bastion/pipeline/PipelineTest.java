package dev.bastion.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bastion.jsonrpc.JsonRpcCodec;
import dev.bastion.jsonrpc.JsonRpcMessage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PipelineTest {

  static Exchange exchange() {
    return new Exchange(
        "x1",
        Instant.now(),
        Era.LEGACY,
        "2025-11-25",
        "127.0.0.1",
        Exchange.Credential.NONE,
        Principal.UNIDENTIFIED,
        null,
        new JsonRpcMessage.Request(JsonRpcCodec.nodes().numberNode(1), "tools/list", JsonRpcCodec.nodes().objectNode()),
        Target.GATEWAY,
        Exchange.NotificationSink.DISCARD,
        new ExchangeLog());
  }

  interface Body {
    Outcome handle(Exchange exchange, Stage.Chain chain);
  }

  static Stage stage(String name, Body body) {
    return new Stage() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public Outcome handle(Exchange exchange, Chain chain) {
        return body.handle(exchange, chain);
      }
    };
  }

  static final Stage TERMINAL = stage("terminal", (e, c) -> Outcome.success(JsonRpcCodec.nodes().textNode(e.principal().agentId())));

  @Test
  void stagesRunInListOrderAndSeeEachOthersTransformations() {
    List<String> order = new ArrayList<>();
    Stage identify = stage("identify", (e, c) -> {
      order.add("identify");
      return c.proceed(e.withPrincipal(Principal.agent("bot", List.of(), "test")));
    });
    Stage observe = stage("observe", (e, c) -> {
      order.add("observe");
      return c.proceed(e);
    });
    Outcome outcome = new Pipeline(List.of(observe, identify, TERMINAL)).run(exchange());
    assertThat(order).containsExactly("observe", "identify");
    assertThat(((Outcome.Success) outcome).result().asString()).isEqualTo("bot");
  }

  @Test
  void aStageThatThrowsDeniesTheExchangeNamingTheStage() {
    Stage broken = stage("inspect", (e, c) -> {
      throw new IllegalStateException("boom");
    });
    Outcome outcome = new Pipeline(List.of(broken, TERMINAL)).run(exchange());
    assertThat(outcome).isInstanceOf(Outcome.Failure.class);
    Fault fault = ((Outcome.Failure) outcome).fault();
    assertThat(fault.code()).isEqualTo(ReasonCode.STAGE_FAILED);
    assertThat(fault.message()).contains("inspect").doesNotContain("boom");
  }

  @Test
  void outerStagesStillSeeTheFailureOfAnInnerStage() {
    List<Outcome> seen = new ArrayList<>();
    Stage recorder = stage("record", (e, c) -> {
      Outcome o = c.proceed(e);
      seen.add(o);
      return o;
    });
    Stage broken = stage("decide", (e, c) -> null);
    new Pipeline(List.of(recorder, broken, TERMINAL)).run(exchange());
    assertThat(seen).singleElement().isInstanceOf(Outcome.Failure.class);
  }

  @Test
  void aStageThatProceedsTwiceFailsClosed() {
    Stage twice = stage("greedy", (e, c) -> {
      c.proceed(e);
      return c.proceed(e);
    });
    Outcome outcome = new Pipeline(List.of(twice, TERMINAL)).run(exchange());
    assertThat(((Outcome.Failure) outcome).fault().message()).contains("greedy");
  }

  @Test
  void aTerminalStageThatCallsProceedFailsClosed() {
    Stage wrongTerminal = stage("upstream", (e, c) -> c.proceed(e));
    Outcome outcome = new Pipeline(List.of(wrongTerminal)).run(exchange());
    assertThat(((Outcome.Failure) outcome).fault().code()).isEqualTo(ReasonCode.STAGE_FAILED);
  }

  @Test
  void theCredentialSecretNeverAppearsInToString() {
    Exchange.Credential c = new Exchange.Credential("Bearer", "super-secret-key");
    assertThat(c.toString()).doesNotContain("super-secret-key");
    assertThat(exchange().withPrincipal(Principal.UNIDENTIFIED).toString()).doesNotContain("super-secret-key");
  }
}
