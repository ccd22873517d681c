package dev.bastion.inspect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bastion.config.ConfigLoader;
import dev.bastion.config.ConfigResult;
import dev.bastion.gateway.Gateway;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The firewall through a real gateway and the built-in demo server, each attack with its benign twin. */
class FirewallEndToEndTest {
  private static final String KEY = "firewall-e2e-key";
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @TempDir static Path dir;
  static Gateway gateway;

  @BeforeAll
  static void start() throws Exception {
    String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(KEY.getBytes(StandardCharsets.UTF_8)));
    String yaml = """
        listen: 127.0.0.1:0
        admin: 127.0.0.1:0
        data_dir: ./data
        upstreams:
          demo: { builtin: demo, root: ./sandbox }
        agents:
          tester: { keys: ["sha256:%s"], roles: [tester] }
        policy:
          default: deny
          rules:
            - { id: testers, effect: allow, when: '"tester" in agent.roles' }
            - id: no-pii-by-mail
              effect: deny
              when: 'tool.name == "send_email" && request.findings.exists(f, f.detector in ["card_number", "iban"])'
            - id: no-pii-from-projects
              effect: deny
              when: 'tool.name == "read_file" && response.findings.exists(f, f.detector == "email")'
        firewall:
          tools:
            demo__read_file:
              path: { type: path, roots: [./sandbox] }
            demo__fetch_url:
              url: { type: url, allow_hosts: [example.com, "*.example.org", attacker.example.net] }
            demo__list_files:
              dir: { type: plain }
        """.formatted(digest);
    ConfigResult result = ConfigLoader.parse(yaml, dir, name -> null);
    assertThat(result).isInstanceOf(ConfigResult.Ok.class);
    gateway = Gateway.start(((ConfigResult.Ok) result).config());
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  static JsonNode call(String tool, String argumentsJson) throws Exception {
    String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool + "\",\"arguments\":" + argumentsJson
        + ",\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\",\"io.modelcontextprotocol/clientCapabilities\":{}}}}";
    HttpRequest request = HttpRequest.newBuilder(URI.create(gateway.mcpUrl()))
        .timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + KEY)
        .header("Content-Type", "application/json")
        .header("Accept", "application/json, text/event-stream")
        .header("MCP-Protocol-Version", "2026-07-28")
        .header("Mcp-Method", "tools/call")
        .header("Mcp-Name", tool)
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
    HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    return JSON.readTree(response.body());
  }

  static String text(JsonNode response) {
    return response.path("result").path("content").path(0).path("text").asString("");
  }

  static String reason(JsonNode response) {
    return response.path("error").path("data").toString() + " " + response.path("error").path("message").asString("");
  }

  @Test
  void secretsInToolOutputAreRedactedWithTypedPlaceholders() throws Exception {
    // SL-01 is about output; the path rule blocks secrets/.env itself, so read the same kind of content via echo.
    JsonNode r = call("demo__echo", "{\"message\":\"config says AWS_ACCESS_KEY_ID=AKIAQ3EXAMPLE7KEY4ZZ ok\"}");
    // request side: a secret in arguments is blocked by default
    assertThat(r.has("error")).isTrue();
    assertThat(reason(r)).contains("aws_access_key");
    JsonNode benign = call("demo__echo", "{\"message\":\"config says AWS_REGION=eu-west-1 ok\"}");
    assertThat(text(benign)).contains("AWS_REGION=eu-west-1");
  }

  @Test
  void argumentsOutsideTheSchemaAreAToolExecutionErrorTheModelCanCorrect() throws Exception {
    // echo's schema requires a string message: a number is malformed input, not an attack
    JsonNode bad = call("demo__echo", "{\"message\":42}");
    assertThat(bad.has("error")).as("not a protocol error: %s", bad).isFalse();
    assertThat(bad.path("result").path("isError").asBoolean()).isTrue();
    assertThat(text(bad)).contains("invalid arguments for demo__echo").contains("/message").doesNotContain("42");
    JsonNode missing = call("demo__echo", "{}");
    assertThat(missing.path("result").path("isError").asBoolean()).as(missing.toString()).isTrue();
    // benign twin: the same call with a well-formed argument reaches the tool
    JsonNode good = call("demo__echo", "{\"message\":\"forty-two\"}");
    assertThat(good.path("result").path("isError").asBoolean()).isFalse();
    assertThat(text(good)).contains("forty-two");
  }

  @Test
  void secretFilesAndTraversalAreBlockedButNotesAreRead() throws Exception {
    assertThat(reason(call("demo__read_file", "{\"path\":\"secrets/.env\"}"))).contains("secret_file");
    assertThat(reason(call("demo__read_file", "{\"path\":\"../../etc/passwd\"}"))).contains("path_traversal");
    assertThat(reason(call("demo__read_file", "{\"path\":\"notes%2f..%2f..%2f..%2fetc%2fpasswd\"}"))).contains("path_traversal");
    JsonNode ok = call("demo__read_file", "{\"path\":\"notes/ideas.md\"}");
    assertThat(ok.has("result")).as(ok.toString()).isTrue();
  }

  @Test
  void hiddenInstructionsInAFetchedPageAreRedacted() throws Exception {
    JsonNode r = call("demo__fetch_url", "{\"url\":\"https://attacker.example.net/page-with-hidden-instructions\"}");
    String page = text(r);
    assertThat(page).contains("[REDACTED:hidden_html]").doesNotContain("audit-desk@attacker").doesNotContain("ignore previous instructions");
    assertThat(page).contains("Batch your email twice a day");
    JsonNode benign = call("demo__fetch_url", "{\"url\":\"https://blog.example.org/release-notes\"}");
    assertThat(text(benign)).doesNotContain("[REDACTED");
  }

  @Test
  void ssrfAndNonAllowlistedUrlsAreBlocked() throws Exception {
    assertThat(reason(call("demo__fetch_url", "{\"url\":\"http://169.254.169.254/latest/meta-data/\"}"))).contains("host_not_allowed");
    assertThat(reason(call("demo__fetch_url", "{\"url\":\"https://ex\u0430mple.com/\"}"))).contains("confusable_host");
    assertThat(call("demo__fetch_url", "{\"url\":\"https://example.com/\"}").has("result")).isTrue();
  }

  @Test
  void optionInjectionInAPlainField() throws Exception {
    assertThat(reason(call("demo__list_files", "{\"dir\":\"--upload-pack=touch x\"}"))).contains("option_injection");
    assertThat(call("demo__list_files", "{\"dir\":\"notes\"}").has("result")).isTrue();
  }

  @Test
  void policySeesRequestFindings() throws Exception {
    JsonNode attack = call("demo__send_email", "{\"to\":\"ops@example.com\",\"subject\":\"card\",\"body\":\"card 4111 1111 1111 1111\"}");
    assertThat(attack.path("error").toString()).contains("no-pii-by-mail");
    JsonNode benign = call("demo__send_email", "{\"to\":\"ops@example.com\",\"subject\":\"lunch\",\"body\":\"see you at noon\"}");
    assertThat(benign.has("result")).as(benign.toString()).isTrue();
  }

  @Test
  void policySeesResponseFindings() throws Exception {
    JsonNode attack = call("demo__read_file", "{\"path\":\"projects/atlas/customers.csv\"}");
    assertThat(attack.path("error").toString()).contains("response_blocked");
    JsonNode benign = call("demo__read_file", "{\"path\":\"projects/atlas/README.md\"}");
    assertThat(benign.has("result")).as(benign.toString()).isTrue();
  }
}
