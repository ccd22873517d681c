package dev.bastion.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bastion.config.ConfigResult;
import dev.bastion.gateway.ConfigChecks;
import dev.bastion.gateway.Gateway;
import dev.bastion.testing.GatewayExtension;
import dev.bastion.testing.McpWire;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The configuration {@code bastion demo} writes: it passes every load-time check, and the
 * firewall (not only the demo server) refuses escapes from the sandbox and internal URLs, each
 * attack beside its benign twin.
 */
class DemoConfigTest {
  private static final String KEY = "demo-config-test-key";

  @TempDir static Path dir;
  static Gateway gateway;
  static McpWire agent;

  @BeforeAll
  static void start() throws Exception {
    DemoCommand demo = new DemoCommand();
    demo.port = 0;
    demo.adminPort = 0;
    Path file = dir.resolve("bastion.yaml");
    Files.writeString(file, demo.demoConfig(GatewayExtension.digest(KEY)));
    ConfigResult result = ConfigChecks.load(file);
    assertThat(result).as("%s", result).isInstanceOf(ConfigResult.Ok.class);
    gateway = Gateway.start(((ConfigResult.Ok) result).config());
    agent = new McpWire(URI.create(gateway.mcpUrl()), KEY);
  }

  @Test
  void theServerLaunchedBeforeTheConfigLoadsIsTheOneItConfigures() {
    // DemoCommand launches this upstream's child early; the gateway takes it only on an exact match
    assertThat(gateway.config().upstreams().get("demo"))
        .isInstanceOfSatisfying(dev.bastion.config.UpstreamConfig.Builtin.class, b -> {
          dev.bastion.config.UpstreamConfig.Builtin early = DemoCommand.demoUpstream(dir);
          assertThat(early.name()).isEqualTo(b.name());
          assertThat(early.builtin()).isEqualTo(b.builtin());
          assertThat(early.root()).isEqualTo(b.root());
        });
    assertThat(DemoCommand.demoUpstream(dir.resolve("x/..")).root()).isEqualTo(DemoCommand.demoUpstream(dir).root());
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  private static JsonNode call(String tool, String argument, String value) {
    return agent.stateless("tools/call", McpWire.obj("{\"name\":\"" + tool + "\",\"arguments\":{\"" + argument + "\":\"" + value + "\"}}")).message();
  }

  /** A refusal by the gateway: a JSON-RPC error whose data names the reason (the demo server would answer isError); the message names the check. */
  private static String refusal(JsonNode message) {
    assertThat(message.has("error")).as("expected the gateway to refuse: %s", message).isTrue();
    assertThat(message.path("error").path("data").path("reason").asString("")).isEqualTo("request_blocked");
    return message.path("error").path("message").asString("");
  }

  @Test
  void readFileIsConfinedToTheSandboxByTheFirewall() {
    assertThat(refusal(call("demo__read_file", "path", "../../etc/passwd"))).contains("path_traversal");
    assertThat(refusal(call("demo__read_file", "path", "notes%2f..%2f..%2fetc%2fpasswd"))).contains("path_traversal");
    JsonNode benign = call("demo__read_file", "path", "notes/ideas.md");
    assertThat(benign.path("result").path("isError").asBoolean()).as("%s", benign).isFalse();
    assertThat(benign.path("result").path("content").path(0).path("text").asString("")).isNotBlank();
  }

  @Test
  void listFilesIsConfinedToTheSandboxByTheFirewall() {
    assertThat(refusal(call("demo__list_files", "dir", "/etc"))).contains("path_outside_roots");
    JsonNode benign = call("demo__list_files", "dir", "notes");
    assertThat(benign.path("result").path("isError").asBoolean()).as("%s", benign).isFalse();
  }

  @Test
  void fetchUrlReachesOnlyTheFixtureHosts() {
    assertThat(refusal(call("demo__fetch_url", "url", "http://169.254.169.254/latest/meta-data/"))).contains("host_not_allowed");
    assertThat(refusal(call("demo__fetch_url", "url", "http://2130706433/"))).contains("host_not_allowed");
    assertThat(refusal(call("demo__fetch_url", "url", "https://ex\u0430mple.com/"))).contains("confusable_host");
    JsonNode benign = call("demo__fetch_url", "url", "https://example.com/");
    assertThat(benign.has("result")).as("%s", benign).isTrue();
  }
}
