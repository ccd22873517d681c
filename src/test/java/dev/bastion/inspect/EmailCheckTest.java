package dev.bastion.inspect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bastion.config.ConfigError;
import dev.bastion.config.ConfigLoader;
import dev.bastion.config.ConfigResult;
import dev.bastion.config.FirewallConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** UC-02: the recipient allow-list for e-mail arguments, compared by confusable skeleton; each attack with its benign twin. */
class EmailCheckTest {
  static final EmailCheck CHECK = new EmailCheck(Set.of("example.com", "*.corp.example.org"));

  @ParameterizedTest
  @ValueSource(strings = {
    "payments@example.com", "PAYMENTS@Example.COM", "Ana Lima <ana.lima@example.com>", "mailto:ceo@example.com",
    "ana@example.com, bo@example.com; cy@mail.corp.example.org", "o'brien+invoices@example.com"
  })
  void allowedRecipientsPass(String to) {
    assertThat(CHECK.check(to)).as(to).isEmpty();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "payments@ex\u0430mple.com|email_confusable_domain",          // Cyrillic a
    "ceo@exampl\u0435.com|email_confusable_domain",               // Cyrillic e
    "ceo@examp1e.com|email_confusable_domain",                    // digit one for l
    "ceo@xn--exmple-4nf.com|email_confusable_domain",             // the punycode spelling of a look-alike
    "ana@example.com, ceo@mail.corp.exarnple.org|email_confusable_domain", // rn for m, under a wildcard entry
    "ceo@example.net|email_domain_not_allowed",                   // a stranger, not a look-alike
    "ceo@exarnple-payments.com|email_domain_not_allowed",
    "ceo@example.com.evil.net|email_domain_not_allowed",
    "ceo@exa\u200Bmple.com|email_invalid",                        // invisible character IDN mapping would drop
    "not an address|email_invalid",
    "ceo@|email_invalid",
    "a..b@example.com|email_invalid"
  })
  void lookAlikesStrangersAndJunkAreRefusedWithTheirOwnReason(String to, String reason) {
    assertThat(CHECK.check(to)).as(to).contains(reason);
  }

  @Test
  void emailRulesBindFromConfigAndNeedAnAllowList() {
    ConfigResult ok = ConfigLoader.parse("""
        firewall:
          tools:
            mail__send:
              to: { type: email, allow_hosts: [example.com, "*.example.org"] }
        """, Path.of("/srv/bastion"), name -> null);
    FirewallConfig.ArgumentRule rule = ((ConfigResult.Ok) ok).config().firewall().tools().get("mail__send").get("to");
    assertThat(rule.kind()).isEqualTo(FirewallConfig.ArgumentRule.Kind.EMAIL);
    assertThat(rule.allowHosts()).containsExactly("example.com", "*.example.org");
    ConfigResult bad = ConfigLoader.parse("""
        firewall:
          tools:
            mail__send:
              to: { type: email }
              cc: { type: email, roots: [./x], allow_hosts: [example.com] }
        """, Path.of("/srv/bastion"), name -> null);
    List<String> errors = ((ConfigResult.Invalid) bad).errors().stream().map(ConfigError::toString).toList();
    assertThat(errors).anyMatch(e -> e.contains("firewall.tools.mail__send.to") && e.contains("allow_hosts"));
    assertThat(errors).anyMatch(e -> e.contains("firewall.tools.mail__send.cc") && e.contains("roots apply only to type path"));
  }
}
