package dev.bastion.policy;

import static dev.bastion.policy.Fixtures.agent;
import static dev.bastion.policy.Fixtures.compiled;
import static dev.bastion.policy.Fixtures.rule;
import static dev.bastion.policy.Fixtures.tool;
import static org.assertj.core.api.Assertions.assertThat;

import dev.bastion.config.PolicyConfig.Effect;
import dev.bastion.pipeline.Principal;
import dev.bastion.pipeline.Target;
import java.util.List;
import org.junit.jupiter.api.Test;

class VisibilityTest {

  private final Target readTicket = tool("tickets", "read_ticket", null);
  private final Target sendEmail = tool("mail", "send_email", null);
  private final Target shell = tool("ops", "shell", "{\"name\":\"shell\",\"annotations\":{\"destructiveHint\":true}}");
  private final Principal supportBot = agent("support-bot", "support");
  private final Principal opsBot = agent("ops-bot", "ops");

  private final Visibility visibility = new Visibility(compiled(Effect.DENY,
      rule("support-read", Effect.ALLOW, "'support' in agent.roles && tool.name == 'read_ticket'"),
      rule("support-mail", Effect.ALLOW, "'support' in agent.roles && tool.name == 'send_email' && args.to.endsWith('@example.com')"),
      rule("office-hours", Effect.ALLOW, "'ops' in agent.roles && request.time.getHours() >= 8 && request.time.getHours() < 18"),
      rule("no-destructive-for-support", Effect.DENY, "'support' in agent.roles && tool.annotations.destructiveHint == true && tool.server == 'ops'")));

  @Test
  void aToolNoRuleCouldAllowIsHidden() {
    assertThat(visibility.exposure(supportBot, shell)).isEqualTo(Exposure.HIDDEN);
  }

  @Test
  void aToolAnAllowRuleCouldAllowForSomeArgumentsIsShown() {
    assertThat(visibility.exposure(supportBot, sendEmail)).isEqualTo(Exposure.VISIBLE);
    assertThat(visibility.exposure(supportBot, readTicket)).isEqualTo(Exposure.VISIBLE);
  }

  @Test
  void aToolAllowedOnlyAtSomeTimesIsShownBecauseTheCallTimeIsUnknown() {
    assertThat(visibility.exposure(opsBot, shell)).isEqualTo(Exposure.VISIBLE);
  }

  @Test
  void twoAgentsWithDifferentRolesSeeDifferentLists() {
    List<Target> all = List.of(readTicket, sendEmail, shell);

    assertThat(visibility.visible(supportBot, all, t -> t)).containsExactly(readTicket, sendEmail);
    assertThat(visibility.visible(opsBot, all, t -> t)).containsExactly(readTicket, sendEmail, shell);
  }

  @Test
  void aDenyRuleThatIsTrueWhateverTheArgumentsHidesEvenAnAllowedTool() {
    Visibility denyAll = new Visibility(compiled(Effect.DENY,
        rule("read", Effect.ALLOW, "tool.name == 'read_ticket'"),
        rule("lockdown", Effect.DENY, "tool.server == 'tickets'")));

    assertThat(denyAll.exposure(supportBot, readTicket)).isEqualTo(Exposure.HIDDEN);
  }

  @Test
  void aDenyRuleThatDependsOnTheArgumentsDoesNotHide() {
    Visibility argDeny = new Visibility(compiled(Effect.DENY,
        rule("read", Effect.ALLOW, "tool.name == 'read_ticket'"),
        rule("not-ticket-1", Effect.DENY, "args.id == 1")));

    assertThat(argDeny.exposure(supportBot, readTicket)).isEqualTo(Exposure.VISIBLE);
  }

  @Test
  void underAnAllowDefaultOnlyADefiniteDenyHides() {
    Visibility open = new Visibility(compiled(Effect.ALLOW, rule("no-shell", Effect.DENY, "tool.name == 'shell'")));

    assertThat(open.exposure(supportBot, shell)).isEqualTo(Exposure.HIDDEN);
    assertThat(open.exposure(supportBot, sendEmail)).isEqualTo(Exposure.VISIBLE);
  }

  @Test
  void aResourceTemplateIsShownWhenSomeUriCouldBeAllowed() {
    Target template = new Target(Target.Kind.RESOURCE, "files", "docs", "docs",
        Fixtures.json("{\"uriTemplate\":\"file:///docs/{name}\",\"name\":\"docs\"}"));
    Target secret = new Target(Target.Kind.RESOURCE, "files", "file:///etc/shadow", "file:///etc/shadow",
        Fixtures.json("{\"uri\":\"file:///etc/shadow\",\"name\":\"shadow\"}"));
    Visibility docsOnly = new Visibility(compiled(Effect.DENY,
        rule("docs", Effect.ALLOW, "method == 'resources/read' && resource.uri.startsWith('file:///docs/')")));

    assertThat(docsOnly.exposure(supportBot, template)).isEqualTo(Exposure.VISIBLE);
    assertThat(docsOnly.exposure(supportBot, secret)).isEqualTo(Exposure.HIDDEN);
  }
}
