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
    assertThat(captured.toString(StandardCharsets.UTF_8)).doesNotContain("training session:");
    assertThat(code).isEqualTo(ExitCodes.OK);
    assertThat(dir.resolve("data")).isDirectory();
  }
}
