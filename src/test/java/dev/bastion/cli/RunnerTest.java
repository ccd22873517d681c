package dev.bastion.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Start-up with a policy that does not compile: rejected with its located errors whether the
 * upstreams start before the checks (builtin servers only) or after them (anything else, which then
 * never starts).
 */
class RunnerTest {
  @TempDir Path dir;

  private record Outcome(int exit, String err) {}

  private Outcome serve(String upstreams) throws Exception {
    Path file = dir.resolve("bastion.yaml");
    Files.writeString(file, """
        listen: 127.0.0.1:0
        admin: 127.0.0.1:0
        data_dir: ./data
        upstreams:
        %s
        policy:
          default: deny
          rules:
            - { id: broken, effect: allow, when: 'agent.roles.no_such_function(' }
        """.formatted(upstreams));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = Runner.serve(file, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), () -> {
      throw new AssertionError("an invalid configuration must not get to ready");
    });
    return new Outcome(exit, err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void aBuiltinUpstreamStartsBeforeThePolicyIsCheckedAndTheInvalidPolicyIsStillRejected() throws Exception {
    Outcome o = serve("  demo: { builtin: demo, root: ./sandbox }");
    assertThat(o.exit()).isEqualTo(ExitCodes.INVALID);
    assertThat(o.err()).contains("is invalid (1 error)").contains("policy.rules[0].when").contains("rule 'broken'");
  }

  @Test
  void aCommandUpstreamIsNotStartedForAConfigurationThatFailsTheChecks() throws Exception {
    Path marker = dir.resolve("started");
    Outcome o = serve("  tool: { command: [/bin/sh, -c, 'touch " + marker + "'] }");
    assertThat(o.exit()).isEqualTo(ExitCodes.INVALID);
    assertThat(o.err()).contains("rule 'broken'");
    assertThat(marker).doesNotExist();
  }
}
