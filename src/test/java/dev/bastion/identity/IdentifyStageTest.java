package dev.bastion.identity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bastion.config.AgentConfig;
import dev.bastion.jsonrpc.JsonRpcMessage;
import dev.bastion.pipeline.Era;
import dev.bastion.pipeline.Exchange;
import dev.bastion.pipeline.ExchangeLog;
import dev.bastion.pipeline.Outcome;
import dev.bastion.pipeline.Pipeline;
import dev.bastion.pipeline.Principal;
import dev.bastion.pipeline.ReasonCode;
import dev.bastion.pipeline.Stage;
import dev.bastion.pipeline.Target;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.JsonNodeFactory;

class IdentifyStageTest {

  private static final String SUPPORT_KEY = "bk_support_0123456789abcdef";
  private static final String OPS_KEY = "bk_ops_fedcba9876543210";

  private static AgentConfig agent(String id, List<String> roles, String... keys) {
    return new AgentConfig(id,
        java.util.Arrays.stream(keys).map(k -> ApiKeyAuthenticator.sha256(k.getBytes(StandardCharsets.UTF_8))).toList(),
        roles);
  }

  private final ApiKeyAuthenticator apiKeys = new ApiKeyAuthenticator(List.of(
      agent("support-bot", List.of("support"), SUPPORT_KEY),
      agent("ops-bot", List.of("ops", "admin"), OPS_KEY, "bk_ops_rotated")));

  private final AtomicReference<Exchange> seenDownstream = new AtomicReference<>();

  private Outcome run(Exchange.Credential credential, Exchange[] out) {
    Stage terminal = new Stage() {
      @Override
      public String name() {
        return "terminal";
      }

      @Override
      public Outcome handle(Exchange exchange, Chain chain) {
        seenDownstream.set(exchange);
        return Outcome.success(JsonNodeFactory.instance.objectNode());
      }
    };
    Exchange exchange = exchange(credential);
    out[0] = exchange;
    return new Pipeline(List.of(new IdentifyStage(List.of(apiKeys)), terminal)).run(exchange);
  }

  static Exchange exchange(Exchange.Credential credential) {
    return new Exchange("x1", Instant.parse("2026-11-22T10:00:00Z"), Era.LEGACY, "2025-11-25", "127.0.0.1",
        credential, Principal.UNIDENTIFIED, null,
        new JsonRpcMessage.Request(JsonNodeFactory.instance.numberNode(1), "tools/list", JsonNodeFactory.instance.objectNode()),
        Target.GATEWAY, Exchange.NotificationSink.DISCARD, new ExchangeLog());
  }

  @Test
  void theRightKeyIdentifiesItsAgentWithItsRolesAndRecordsThePrincipal() {
    Exchange[] sent = new Exchange[1];
    Outcome outcome = run(new Exchange.Credential("Bearer", SUPPORT_KEY), sent);

    assertThat(outcome).isInstanceOf(Outcome.Success.class);
    Principal p = seenDownstream.get().principal();
    assertThat(p.agentId()).isEqualTo("support-bot");
    assertThat(p.roles()).containsExactly("support");
    assertThat(p.authMethod()).isEqualTo("api_key");
    assertThat(sent[0].log().principal()).isEqualTo(p);
  }

  @Test
  void anyOfAnAgentsKeysIdentifiesIt() {
    Outcome outcome = run(new Exchange.Credential("bearer", "bk_ops_rotated"), new Exchange[1]);

    assertThat(outcome).isInstanceOf(Outcome.Success.class);
    assertThat(seenDownstream.get().principal().agentId()).isEqualTo("ops-bot");
  }

  @Test
  void aWrongKeyIsRefusedAsInvalidWithoutSayingWhy() {
    Exchange[] sent = new Exchange[1];
    Outcome outcome = run(new Exchange.Credential("Bearer", SUPPORT_KEY + "x"), sent);

    assertThat(outcome).isInstanceOfSatisfying(Outcome.Failure.class, f -> {
      assertThat(f.fault().code()).isEqualTo(ReasonCode.UNAUTHENTICATED);
      assertThat(f.fault().message()).isEqualTo("invalid credential");
    });
    assertThat(seenDownstream.get()).isNull();
    assertThat(sent[0].log().principal().identified()).isFalse();
  }

  @Test
  void aMissingCredentialIsRefusedAsMissing() {
    Outcome outcome = run(Exchange.Credential.NONE, new Exchange[1]);

    assertThat(outcome).isInstanceOfSatisfying(Outcome.Failure.class, f -> {
      assertThat(f.fault().code()).isEqualTo(ReasonCode.UNAUTHENTICATED);
      assertThat(f.fault().message()).startsWith("missing credential");
    });
    assertThat(seenDownstream.get()).isNull();
  }

  @Test
  void aKeyPresentedUnderAnotherSchemeIsRefusedAsInvalid() {
    Outcome outcome = run(new Exchange.Credential("Basic", SUPPORT_KEY), new Exchange[1]);

    assertThat(outcome).isInstanceOfSatisfying(Outcome.Failure.class,
        f -> assertThat(f.fault().message()).isEqualTo("invalid credential"));
  }

  @Test
  void aKeyConfiguredForTwoAgentsIsRefusedRatherThanGuessed() {
    ApiKeyAuthenticator ambiguous = new ApiKeyAuthenticator(List.of(agent("a", List.of(), "shared"), agent("b", List.of(), "shared")));

    assertThat(ambiguous.authenticate(new Exchange.Credential("Bearer", "shared")))
        .isInstanceOfSatisfying(AuthResult.Rejected.class, r -> assertThat(r.reason()).isEqualTo(AuthResult.Rejection.INVALID_CREDENTIAL));
  }

  @Test
  void theFirstAuthenticatorThatDoesNotAbstainDecides() {
    Authenticator abstaining = new Authenticator() {
      @Override
      public String name() {
        return "never";
      }

      @Override
      public AuthResult authenticate(Exchange.Credential credential) {
        return AuthResult.ABSTAINED;
      }
    };
    IdentifyStage stage = new IdentifyStage(List.of(abstaining, apiKeys));

    assertThat(stage.authenticate(new Exchange.Credential("Bearer", OPS_KEY)))
        .isInstanceOfSatisfying(AuthResult.Authenticated.class, a -> assertThat(a.principal().agentId()).isEqualTo("ops-bot"));
    assertThat(new IdentifyStage(List.of(abstaining)).authenticate(new Exchange.Credential("Bearer", OPS_KEY)))
        .isInstanceOf(AuthResult.Abstained.class);
  }

  @Test
  void aDigestOfTheWrongLengthIsRejectedAtConstruction() {
    AgentConfig broken = new AgentConfig("x", List.of(new byte[16]), List.of());

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new ApiKeyAuthenticator(List.of(broken)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("32 bytes");
  }
}
