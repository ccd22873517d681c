package dev.bastion.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Gateway messages as JSON lines, with credentials in the text or the stack trace redacted. */
class JsonLogFormatterTest {

  @Test
  void aMessageWithACredentialBecomesOneRedactedJsonLine() {
    LogRecord r = new LogRecord(Level.WARNING, "upstream {0} said: Authorization: Bearer abcdefghijklmnopqrstuvwxyz");
    r.setLoggerName("dev.bastion.gateway.Gateway");
    r.setParameters(new Object[] {"web"});
    r.setThrown(new IllegalStateException("token ghp_abcdefghijklmnopqrstuvwxyz0123456789AB leaked"));
    String line = new JsonLogFormatter().format(r);
    assertThat(line).endsWith(System.lineSeparator()).doesNotContain("abcdefghijklmnopqrstuvwxyz");
    assertThat(line.strip()).doesNotContain("\n");
    JsonNode j = TraceRecordingServer.JSON.readTree(line);
    assertThat(j.path("level").asString()).isEqualTo("warning");
    assertThat(j.path("logger").asString()).isEqualTo("dev.bastion.gateway.Gateway");
    assertThat(j.path("message").asString()).startsWith("upstream web said: Authorization: [REDACTED");
    assertThat(j.path("error").asString()).isEqualTo("java.lang.IllegalStateException");
    assertThat(j.path("stack").asString()).contains("[REDACTED:github-token]");
  }
}
