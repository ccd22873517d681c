package dev.bastion.integrity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.bastion.config.BastionConfig;
import dev.bastion.config.ConfigResult;
import dev.bastion.gateway.ConfigChecks;
import dev.bastion.gateway.Gateway;
import dev.bastion.integrity.testservers.IntegrityTestServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Rug pull, schema poisoning and a confusable server name through a real gateway with small stdio
 * MCP servers, each with a benign twin that must stay usable; then approval with a diff, and the
 * pin file written atomically (restart persistence is covered by {@link JudgeTest}).
 */
class IntegrityGatewayTest {
  private static final String KEY = "integrity-test-key";
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final AtomicInteger ids = new AtomicInteger();

  @TempDir Path dir;

  private Path writeConfig(String upstreams) throws Exception {
    Path config = dir.resolve("bastion.yaml");
    String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(KEY.getBytes(StandardCharsets.UTF_8)));
    Files.writeString(
        config,
        """
        listen: 127.0.0.1:0
        admin: 127.0.0.1:0
        data_dir: ./data
        limits: { call_timeout: 180s }
        upstreams:
        %s
        agents:
          tester: { keys: ["sha256:%s"], roles: [tester] }
        policy:
          default: deny
          rules:
            - { id: testers, effect: allow, when: '"tester" in agent.roles' }
        """
            .formatted(upstreams, digest));
    return config;
  }

  static String server(String name, String... args) {
    String java = ProcessHandle.current().info().command().orElse("java");
    StringBuilder cmd = new StringBuilder("[");
    // Small, quick-starting JVMs: the machine running the tests may be busy.
    for (String part : List.of(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto", "-cp", System.getProperty("java.class.path"), IntegrityTestServer.class.getName())) {
      cmd.append(JSON.writeValueAsString(part)).append(", ");
    }
    for (String a : args) {
      cmd.append(JSON.writeValueAsString(a)).append(", ");
    }
    cmd.setLength(cmd.length() - 2);
    return "  " + name + ": { command: " + cmd + "] }";
  }

  private static BastionConfig load(Path config) {
    return switch (ConfigChecks.load(config)) {
      case ConfigResult.Ok ok -> ok.config();
      case ConfigResult.Invalid bad -> throw new AssertionError(bad.errors().toString());
    };
  }

  @Test
  void rugPullPoisonedSchemaAndConfusableServerAreQuarantinedWhileTheirTwinsServe() throws Exception {
    Path config =
        writeConfig(
            String.join(
                "\n",
                server("calc", "calc"),
                server("shop", "rugpull", "2"),
                server("units", "poisoned-schema"),
                server("tidy", "clean-schema"),
                server("ca1c", "calc")));
    try (Gateway gateway = Gateway.start(load(config))) {
      String url = gateway.mcpUrl();
      await().atMost(Duration.ofSeconds(240)).untilAsserted(() -> assertThat(toolNames(url)).contains("calc__add", "shop__add", "tidy__convert"));
      List<String> listed = toolNames(url);
      assertThat(listed).doesNotContain("units__convert", "ca1c__add");
      assertThat(reason(call(url, "units__convert"))).isEqualTo("tool_quarantined");
      assertThat(reason(call(url, "ca1c__add"))).isEqualTo("tool_quarantined");
      assertThat(reason(call(url, "no_such__tool"))).isEqualTo("unknown_target");
      assertThat(text(call(url, "tidy__convert"))).isEqualTo("clean-schema ok 1");

      // Rug pull: two calls work, then the definition changes and the server says so.
      assertThat(text(call(url, "shop__add"))).isEqualTo("rugpull ok 1");
      assertThat(text(call(url, "shop__add"))).isEqualTo("rugpull ok 2");
      await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> assertThat(toolNames(url)).doesNotContain("shop__add"));
      assertThat(reason(call(url, "shop__add"))).isEqualTo("tool_quarantined");
      // The benign twin is called as often and stays pinned and callable.
      for (int i = 1; i <= 3; i++) {
        assertThat(text(call(url, "calc__add"))).isEqualTo("calc ok " + i);
      }

      StringWriter listing = new StringWriter();
      int listed1 = cli(listing, "tools", "list", "--config", config.toString());
      assertThat(listed1).isEqualTo(1);
      assertThat(listing.toString())
          .containsPattern("shop\\s+add\\s+quarantined\\s+changed")
          .containsPattern("units\\s+convert\\s+new\\s+\\S*(directive|sensitive_path)")
          .containsPattern("ca1c\\s+add\\s+new\\s+confusable_name")
          .containsPattern("calc\\s+add\\s+pinned\\s+tofu");

      // Approval shows the diff and pins the new definition; the running gateway picks it up.
      StringWriter approval = new StringWriter();
      assertThat(cli(approval, "tools", "approve", "shop", "add", "--config", config.toString(), "--yes")).isEqualTo(0);
      assertThat(approval.toString())
          .contains("-  \"description\" : \"Adds two numbers.\"")
          .contains("+  \"description\" : \"Adds two numbers. Also accepts a note for the audit trail.\"")
          .contains("+      \"note\" : {");
      await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> assertThat(toolNames(url)).contains("shop__add"));
      assertThat(text(call(url, "shop__add"))).isEqualTo("rugpull ok 3");
      assertThat(toolNames(url)).doesNotContain("units__convert", "ca1c__add");
    }

    assertThat(Files.list(dir.resolve("data")).map(p -> p.getFileName().toString())).contains("pins.json").doesNotContain("pins.json.tmp");
  }

  @Test
  void scanReportsPoisonedAndConfusableServersWithoutServingAndPassesBenignOnes() throws Exception {
    Path config = writeConfig(String.join("\n", server("calc", "calc"), server("units", "poisoned-schema"), server("ca1c", "calc")));
    StringWriter out = new StringWriter();
    assertThat(cli(out, "scan", "--config", config.toString())).isEqualTo(1);
    assertThat(out.toString())
        .contains("units__convert: would be quarantined")
        .contains("inputSchema.properties.unit.enum[2]")
        .contains("ca1c__add: would be quarantined (confusable_name)")
        .doesNotContain("calc__add:");
    assertThat(dir.resolve("data").resolve("pins.json")).doesNotExist();

    Path benign = writeConfig(String.join("\n", server("tidy", "clean-schema"), server("clock", "clock")));
    StringWriter clean = new StringWriter();
    assertThat(cli(clean, "scan", "--config", benign.toString())).isEqualTo(0);
    assertThat(clean.toString()).contains("scanned 2 servers, 2 tools: no findings");
  }

  private static int cli(StringWriter out, String... args) {
    CommandLine cl = dev.bastion.cli.Main.commandLine(args);
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(out, true));
    return cl.execute(args);
  }

  private List<String> toolNames(String url) throws Exception {
    JsonNode r = post(url, "tools/list", null, "{}");
    return r.path("result").path("tools").valueStream().map(t -> t.path("name").asString()).toList();
  }

  private JsonNode call(String url, String tool) throws Exception {
    return post(url, "tools/call", tool, "{\"name\":" + JSON.writeValueAsString(tool) + ",\"arguments\":{\"a\":1,\"b\":2}}");
  }

  private static String reason(JsonNode response) {
    return response.path("error").path("data").path("reason").asString("(no error: " + response + ")");
  }

  private static String text(JsonNode response) {
    return response.path("result").path("content").path(0).path("text").asString("(no result: " + response + ")");
  }

  private JsonNode post(String url, String method, String name, String params) throws Exception {
    tools.jackson.databind.node.ObjectNode p = (tools.jackson.databind.node.ObjectNode) JSON.readTree(params);
    p.putObject("_meta").put("io.modelcontextprotocol/protocolVersion", "2026-07-28").putObject("io.modelcontextprotocol/clientCapabilities");
    String body = "{\"jsonrpc\":\"2.0\",\"id\":" + ids.incrementAndGet() + ",\"method\":\"" + method + "\",\"params\":" + JSON.writeValueAsString(p) + "}";
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(30))
            .header("Authorization", "Bearer " + KEY)
            .header("Content-Type", "application/json")
            .header("Accept", "application/json, text/event-stream")
            .header("MCP-Protocol-Version", "2026-07-28")
            .header("Mcp-Method", method);
    if (name != null) {
      b.header("Mcp-Name", name);
    }
    HttpResponse<String> response = HTTP.send(b.POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    return JSON.readTree(response.body());
  }
}
