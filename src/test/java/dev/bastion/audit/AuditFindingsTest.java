package dev.bastion.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bastion.config.ConfigLoader;
import dev.bastion.config.ConfigResult;
import dev.bastion.gateway.Gateway;
import dev.bastion.pipeline.Finding;
import dev.bastion.testing.McpWire;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Firewall findings in the audit record: a session that handles secrets (one blocked in the
 * request, one redacted on its way to the tool) leaves records naming each finding, while the
 * secrets' bytes appear nowhere in the database files; query and export show the findings.
 */
class AuditFindingsTest {
  private static final String KEY = "audit-findings-key";
  // public example formats, assembled so this source file does not hold them whole either
  private static final String AWS_KEY = "AKIA" + "Q3EXAMPLE7KEY4ZZ";
  private static final String GITHUB_TOKEN = "ghp_" + "R7dK2mQ9xL4vT8nB3wF6yH1jC5sP0aZ3eU9i";

  @TempDir Path dir;

  @Test
  void findingsAreRecordedButTheSecretsAreNot() throws Exception {
    Gateway gateway = start();
    try {
      JsonNode blocked = call(gateway, 1, "demo__echo", "{\"message\":\"config says AWS_ACCESS_KEY_ID=" + AWS_KEY + " ok\"}");
      assertThat(blocked.has("error")).as(blocked.toString()).isTrue();
      JsonNode redacted = call(gateway, 2, "demo__send_email",
          "{\"to\":\"ops@example.com\",\"subject\":\"deploy\",\"body\":\"use token " + GITHUB_TOKEN + " today\"}");
      assertThat(redacted.has("result")).as(redacted.toString()).isTrue();
      JsonNode clean = call(gateway, 3, "demo__echo", "{\"message\":\"AWS_REGION=eu-west-1\"}");
      assertThat(clean.has("result")).as(clean.toString()).isTrue();
    } finally {
      gateway.close();
    }

    Path data = dir.resolve("data");
    List<AuditRecord> records;
    try (AuditStore store = AuditStores.openReadOnly(null, data)) {
      records = store.read(1, 100);
      assertThat(AuditVerifier.verify(store, AuditKeys.loadOrCreate(data).publicKey())).isInstanceOf(VerifyResult.Verified.class);
    }
    AuditRecord echo = single(records, "demo__echo", AuditRecord.Effect.DENY);
    assertThat(echo.format()).isEqualTo(AuditRecord.FORMAT);
    assertThat(echo.findings()).contains(new Finding("secret", "aws_access_key", "request", "block", "/arguments/message"));
    AuditRecord mail = single(records, "demo__send_email", AuditRecord.Effect.ALLOW);
    assertThat(mail.findings()).extracting(Finding::detector, Finding::action, Finding::location)
        .contains(org.assertj.core.groups.Tuple.tuple("github_token", "redact", "/arguments/body"));
    AuditRecord benign = single(records, "demo__echo", AuditRecord.Effect.ALLOW);
    assertThat(benign.findings()).isEmpty();

    // the secrets' bytes are in none of the files (database, WAL, shared memory)
    try (Stream<Path> files = Files.list(data)) {
      List<Path> audit = files.filter(p -> p.getFileName().toString().startsWith("audit.db")).toList();
      assertThat(audit).isNotEmpty();
      for (Path f : audit) {
        byte[] bytes = Files.readAllBytes(f);
        assertThat(indexOf(bytes, AWS_KEY.getBytes(StandardCharsets.UTF_8))).as("%s holds the AWS key", f).isEqualTo(-1);
        assertThat(indexOf(bytes, GITHUB_TOKEN.getBytes(StandardCharsets.UTF_8))).as("%s holds the token", f).isEqualTo(-1);
        // and not the distinctive middle either (a partial leak)
        assertThat(indexOf(bytes, "EXAMPLE7KEY4".getBytes(StandardCharsets.UTF_8))).as("%s", f).isEqualTo(-1);
      }
    }

    // query by detector or category, export carries them
    String table = cli(data, "query", "--finding", "aws_access_key");
    assertThat(table).contains("aws_access_key:block@/arguments/message").doesNotContain("demo__send_email");
    String secrets = cli(data, "query", "--finding", "secret", "--format", "jsonl");
    assertThat(secrets.lines().count()).isEqualTo(2);
    assertThat(secrets).contains("\"detector\":\"github_token\"").contains("\"format\":2");
    assertThat(cli(data, "query", "--finding", "iban")).doesNotContain("demo__");
    String export = cli(data, "export", "--format", "jsonl");
    assertThat(export).contains("\"findings\":[{\"action\":\"block\"").doesNotContain(AWS_KEY).doesNotContain(GITHUB_TOKEN);
  }

  private static AuditRecord single(List<AuditRecord> records, String target, AuditRecord.Effect effect) {
    List<AuditRecord> matching = records.stream()
        .filter(r -> r.method().equals("tools/call") && r.target().equals(target) && r.effect() == effect).toList();
    assertThat(matching).as("records of %s with %s in %s", target, effect, records).hasSize(1);
    return matching.getFirst();
  }

  private Gateway start() throws Exception {
    Files.createDirectories(dir.resolve("sandbox"));
    String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(KEY.getBytes(StandardCharsets.UTF_8)));
    String yaml = """
        listen: 127.0.0.1:0
        admin: 127.0.0.1:0
        data_dir: ./data
        audit: { durability: sync }
        upstreams:
          demo: { builtin: demo, root: ./sandbox }
        agents:
          tester: { keys: ["sha256:%s"], roles: [tester] }
        policy:
          default: deny
          rules:
            - { id: testers, effect: allow, when: '"tester" in agent.roles' }
        firewall:
          actions:
            github_token: { request: redact }
        """.formatted(digest);
    ConfigResult result = ConfigLoader.parse(yaml, dir, name -> null);
    assertThat(result).as(result.toString()).isInstanceOf(ConfigResult.Ok.class);
    return Gateway.start(((ConfigResult.Ok) result).config());
  }

  /** A 2026-07-28 {@code tools/call} as the agent holding {@link #KEY}; the answer's message. */
  private static JsonNode call(Gateway gateway, int id, String tool, String argumentsJson) {
    String params = "{\"name\":\"" + tool + "\",\"arguments\":" + argumentsJson + "}";
    McpWire agent = new McpWire(URI.create(gateway.mcpUrl()), KEY);
    ObjectNode p = McpWire.obj(params);
    return agent.post(McpWire.statelessBody(id, "tools/call", p).toString(), McpWire.statelessHeaders("tools/call", p)).message();
  }

  private static String cli(Path data, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cmd = AuditCommand.commandLine();
    cmd.setOut(new PrintWriter(out, true));
    cmd.setErr(new PrintWriter(err, true));
    String[] all = Stream.concat(Stream.of(args), Stream.of("--data-dir", data.toString())).toArray(String[]::new);
    int code = cmd.execute(all);
    assertThat(code).as("bastion audit %s: %s", String.join(" ", args), err).isZero();
    return out.toString();
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
