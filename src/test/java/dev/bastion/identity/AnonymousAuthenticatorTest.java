package dev.bastion.identity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bastion.config.AgentConfig;
import dev.bastion.config.ConfigLoader;
import dev.bastion.config.ConfigResult;
import dev.bastion.pipeline.Exchange;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class AnonymousAuthenticatorTest {
  private final AnonymousAuthenticator anonymous = new AnonymousAuthenticator(new AgentConfig("local", List.of(), List.of("probe"), true));

  @Test
  void aRequestWithoutAnyCredentialActsAsTheAnonymousAgent() {
    AuthResult r = anonymous.authenticate(Exchange.Credential.NONE);
    assertThat(r).isInstanceOf(AuthResult.Authenticated.class);
    assertThat(((AuthResult.Authenticated) r).principal().agentId()).isEqualTo("local");
    assertThat(((AuthResult.Authenticated) r).principal().authMethod()).isEqualTo("anonymous");
  }

  @Test
  void aRequestWithAnyCredentialIsLeftToTheOtherAuthenticatorsSoAWrongKeyIsStillRefused() {
    assertThat(anonymous.authenticate(new Exchange.Credential("Bearer", "wrong"))).isInstanceOf(AuthResult.Abstained.class);
    assertThat(anonymous.authenticate(new Exchange.Credential("Basic", ""))).isInstanceOf(AuthResult.Abstained.class);
  }

  @Test
  void withoutAnAnonymousAgentAMissingCredentialIsRejected() {
    ConfigResult r = ConfigLoader.parse("agents:\n  bot: { keys: [], roles: [a] }\n", Path.of("."), k -> null);
    IdentifyStage stage = IdentifyStage.fromConfig(((ConfigResult.Ok) r).config());
    assertThat(stage.authenticate(Exchange.Credential.NONE)).isInstanceOf(AuthResult.Rejected.class);
  }

  @Test
  void theConfigAcceptsOneAnonymousAgentAndRejectsASecond() {
    ConfigResult one = ConfigLoader.parse("agents:\n  a: { roles: [x], anonymous: true }\n  b: { roles: [y] }\n", Path.of("."), k -> null);
    assertThat(one).isInstanceOf(ConfigResult.Ok.class);
    assertThat(IdentifyStage.fromConfig(((ConfigResult.Ok) one).config()).authenticate(Exchange.Credential.NONE))
        .isInstanceOf(AuthResult.Authenticated.class);
    ConfigResult two = ConfigLoader.parse("agents:\n  a: { anonymous: true }\n  b: { anonymous: true }\n", Path.of("."), k -> null);
    assertThat(two).isInstanceOf(ConfigResult.Invalid.class);
    assertThat(((ConfigResult.Invalid) two).errors().get(0).path()).isEqualTo("agents.b.anonymous");
  }
}
