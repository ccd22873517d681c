package dev.bastion.inspect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bastion.config.ConfigError;
import dev.bastion.config.ConfigLoader;
import dev.bastion.config.ConfigResult;
import dev.bastion.config.FirewallConfig;
import dev.bastion.config.FirewallConfig.Action;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The firewall section: defaults, per-detector overrides, and errors with their paths. */
class FirewallConfigTest {
  static ConfigResult parse(String yaml) {
    return ConfigLoader.parse(yaml, Path.of("/srv/bastion"), name -> null);
  }

  @Test
  void absentSectionGivesTheDefaults() {
    FirewallConfig f = ((ConfigResult.Ok) parse("listen: 127.0.0.1:0\n")).config().firewall();
    assertThat(f).isEqualTo(FirewallConfig.DEFAULT);
    Inspector inspector = new Inspector(f);
    assertThat(inspector.action(Hit.Category.SECRET, "aws_access_key", Direction.REQUEST)).isEqualTo(Action.BLOCK);
    assertThat(inspector.action(Hit.Category.SECRET, "aws_access_key", Direction.RESPONSE)).isEqualTo(Action.REDACT);
    assertThat(inspector.action(Hit.Category.PII, "email", Direction.RESPONSE)).isEqualTo(Action.RECORD);
  }

  @Test
  void detectorOverridesWinOverTheirCategory() {
    FirewallConfig f = ((ConfigResult.Ok) parse("""
        firewall:
          actions:
            pii: { response: redact }
            email: { response: record }
            aws_access_key: { response: block }
          link_hosts: [docs.example.com]
          tools:
            files__read_file:
              path: { type: path, roots: [./work] }
        """)).config().firewall();
    Inspector inspector = new Inspector(f);
    assertThat(inspector.action(Hit.Category.PII, "card_number", Direction.RESPONSE)).isEqualTo(Action.REDACT);
    assertThat(inspector.action(Hit.Category.PII, "email", Direction.RESPONSE)).isEqualTo(Action.RECORD);
    assertThat(inspector.action(Hit.Category.PII, "card_number", Direction.REQUEST)).isEqualTo(Action.RECORD);
    assertThat(inspector.action(Hit.Category.SECRET, "aws_access_key", Direction.RESPONSE)).isEqualTo(Action.BLOCK);
    assertThat(inspector.action(Hit.Category.SECRET, "github_token", Direction.RESPONSE)).isEqualTo(Action.REDACT);
    assertThat(f.tools().get("files__read_file").get("path").roots()).containsExactly(Path.of("/srv/bastion/work"));
  }

  @Test
  void mistakesAreReportedWithTheirPath() {
    ConfigResult r = parse("""
        firewall:
          actions:
            secret: { response: scrub }
          tools:
            files__read_file:
              path: { type: path }
              url: { type: link }
          on_oversize: explode
        """);
    assertThat(r).isInstanceOf(ConfigResult.Invalid.class);
    List<String> errors = ((ConfigResult.Invalid) r).errors().stream().map(ConfigError::toString).toList();
    assertThat(errors).anyMatch(e -> e.contains("firewall.actions.secret.response") && e.contains("block, redact, record"));
    assertThat(errors).anyMatch(e -> e.contains("firewall.tools.files__read_file.path") && e.contains("roots"));
    assertThat(errors).anyMatch(e -> e.contains("firewall.tools.files__read_file.url.type") && e.contains("path, url, plain"));
    assertThat(errors).anyMatch(e -> e.contains("firewall.on_oversize"));
  }
}
