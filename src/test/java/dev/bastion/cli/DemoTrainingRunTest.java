package dev.bastion.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bastion demo --training-run}, the launcher's AOT cache training run: it starts the demo
 * gateway on free ports, every request of the scripted session is answered, and it returns instead
 * of serving until stopped.
 */
class DemoTrainingRunTest {
  @TempDir Path dir;

  @Test
  void theTrainingRunServesItsScriptedSessionAndStops() {
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int code;
    try {
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      code = Main.run("demo", "--training-run", "--dir", dir.toString(), "--port", "0", "--admin-port", "0");
    } finally {
      System.setErr(err);
    }
    String log = captured.toString(StandardCharsets.UTF_8);
    assertThat(log).doesNotContain("training session:");
    // the script trains the allowed path (forwarded to the demo server, in both eras) and the refusals
    assertThat(log)
        .contains("access demo-agent initialize ok", "access demo-agent tools/list ok", "tools/call demo__read_file allow ok")
        .contains("tools/call demo__read_file denied (request_blocked)", "tools/call demo__fetch_url denied (request_blocked)");
    assertThat(log.lines().filter(l -> l.contains("tools/call demo__echo allow ok"))).hasSize(2);
    assertThat(code).isEqualTo(ExitCodes.OK);
    assertThat(dir.resolve("data")).isDirectory();
  }
}
