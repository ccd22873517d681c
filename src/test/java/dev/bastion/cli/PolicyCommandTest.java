package dev.bastion.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.parallel.Resources;

/** {@code bastion policy test|explain|lint}, run on the shipped examples and on broken inputs. */
@ResourceLock(Resources.SYSTEM_OUT)
class PolicyCommandTest {

  @TempDir Path dir;

  record Run(int exit, String out, String err) {}

  static Run run(String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      int code = Main.run(args);
      return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }

  static List<Path> exampleTests() throws Exception {
    try (Stream<Path> files = Files.list(Path.of("examples/policy-tests"))) {
      return files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
  }

  @Test
  void everyExampleConfigHasPolicyTestsAndTheyAllPass() throws Exception {
    List<Path> tests = exampleTests();
    try (Stream<Path> configs = Files.list(Path.of("examples"))) {
      List<String> names = configs.filter(p -> p.toString().endsWith(".yaml")).map(p -> p.getFileName().toString()).toList();
      assertThat(tests.stream().map(p -> p.getFileName().toString())).containsAll(names);
    }
    Run r = run(Stream.concat(Stream.of("policy", "test"), tests.stream().map(Path::toString)).toArray(String[]::new));
    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("0 failed").doesNotContain("FAIL");
  }

  @Test
  void aFailingCaseShowsAReadableDiffAndExitsNonZero() throws Exception {
    Path test = dir.resolve("wrong.yaml");
    Files.writeString(test, """
        config: %s
        cases:
          - name: expects the wrong thing
            agent: support-bot
            tool: mail__send_email
            args: { to: "mallory@evil.test" }
            time: 2026-01-15T10:00:00Z
            expect: allow
        """.formatted(Path.of("examples/support-bot.yaml").toAbsolutePath()));
    Run r = run("policy", "test", test.toString());
    assertThat(r.exit()).isEqualTo(ExitCodes.FAILED);
    assertThat(r.out()).contains("FAIL  expects the wrong thing", "expected: allow", "actual:   deny by [mail-only-our-domain]");
  }

  @Test
  void aMalformedTestFileIsAnInvalidUsage() throws Exception {
    Path test = dir.resolve("bad.yaml");
    Files.writeString(test, "cases: []\n");
    Run r = run("policy", "test", test.toString());
    assertThat(r.exit()).isEqualTo(ExitCodes.INVALID);
    assertThat(r.err()).contains("expected a mapping with config");
  }

  @Test
  void explainShowsWhichRulesMatchedAndWhichTheIndexSkipped() {
    Run r = run("policy", "explain", "--config", "examples/support-bot.yaml", "--agent", "support-bot", "--tool", "mail__send_email",
        "--args", "{\"to\":\"mallory@evil.test\"}", "--time", "2026-01-15T10:00:00Z");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).containsPattern("support-reads-tickets\\s+allow\\s+enforce\\s+skipped \\(index")
        .containsPattern("mail-only-our-domain\\s+deny\\s+enforce\\s+MATCHED")
        .containsPattern("no-mail-at-night\\s+deny\\s+enforce\\s+no match")
        .contains("decision: deny by [mail-only-our-domain]");
  }

  @Test
  void lintPassesTheExamplesWithoutErrors() {
    for (String config : List.of("examples/bastion.yaml", "examples/npm-servers.yaml", "examples/support-bot.yaml")) {
      Run r = run("policy", "lint", "--config", config);
      assertThat(r.exit()).as(config + "\n" + r.out()).isZero();
      assertThat(r.out()).contains("0 errors");
    }
  }

  @Test
  void lintFindsShadowedConflictingUnknownAndRiskyThings() throws Exception {
    Path config = dir.resolve("risky.yaml");
    Files.writeString(config, """
        listen: 0.0.0.0:8080
        upstreams:
          mail: { url: "http://127.0.0.1:3102/mcp" }
        agents:
          anon: { roles: [guest], anonymous: true }
        audit: { fail_open: true }
        policy:
          default: allow
          rules:
            - { id: block-mail, effect: deny, when: 'tool.server == "mail"' }
            - { id: send, effect: allow, when: 'tool.server == "mail" && tool.name == "send"' }
            - { id: everything, effect: allow }
            - { id: everything-again, effect: allow, when: 'true' }
            - { id: nope, effect: deny, when: 'tool.name == "a" && tool.name == "b"' }
            - { id: ghost, effect: allow, when: 'tool.server == "crm" && "admin" in agent.roles' }
        """);
    Run r = run("policy", "lint", "--config", config.toString());
    assertThat(r.exit()).isEqualTo(ExitCodes.FAILED);
    assertThat(r.out()).contains(
        "[shadowed] rule send", "[wildcard_grant] rule everything", "[unconditional_destructive] rule everything",
        "[duplicate] rule everything-again", "[never_matches] rule nope", "[unknown_server] rule ghost", "[unknown_role] rule ghost",
        "error [anonymous_exposed]", "error [fail_open]", "[default_allow]");
  }

  static final String TOOLS_CONFIG = """
      listen: 127.0.0.1:8080
      data_dir: ./data
      upstreams:
        repo: { url: "http://127.0.0.1:3102/mcp" }
        docs: { url: "http://127.0.0.1:3103/mcp" }
      agents:
        dev: { roles: [dev, ops], anonymous: true }
      policy:
        default: deny
        rules:
          - { id: wipe, effect: allow, when: 'tool.server == "repo" && tool.name == "delete_repo"' }
          - { id: wipe-ops, effect: allow, when: 'tool.name == "delete_repo" && "ops" in agent.roles' }
          - { id: wipe-confirmed, effect: allow, when: 'tool.name == "delete_repo" && args.confirm == true' }
          - { id: read, effect: allow, when: 'tool.name == "read_file"' }
          - { id: unhinted, effect: allow, when: 'tool.name == "rename"' }
          - { id: all-docs, effect: allow, when: 'tool.server == "docs"' }
          - { id: typo, effect: deny, when: 'tool.name == "delete_rep"' }
      """;

  static final String REPO_TOOLS = """
      {"jsonrpc": "2.0", "id": 1, "result": {"tools": [
        {"name": "delete_repo", "annotations": {"destructiveHint": true}},
        {"name": "read_file", "annotations": {"readOnlyHint": true}},
        {"name": "rename"}
      ]}}
      """;

  @Test
  void lintWithToolsFlagsUnconditionalAllowsOfDestructiveToolsAndUnknownNamesButNotConditionedOnes() throws Exception {
    Path config = dir.resolve("tools.yaml");
    Files.writeString(config, TOOLS_CONFIG);
    Files.writeString(dir.resolve("repo.json"), REPO_TOOLS);
    Files.writeString(dir.resolve("docs.json"), """
        {"tools": [{"name": "docs__search", "annotations": {"readOnlyHint": true}}]}
        """);
    Run r = run("policy", "lint", "--config", config.toString(), "--tools", "repo=" + dir.resolve("repo.json"), "--tools", dir.resolve("docs.json").toString());
    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("[tool_definitions]", "4 tool definitions of 2 servers", "--tools " + dir.resolve("repo.json"),
        "[unconditional_destructive] rule wipe: allows destructive tools", "repo/delete_repo",
        "[unconditional_destructive] rule unhinted", // no annotations: MCP's default destructiveHint is true
        "warning [unknown_tool] rule typo: tool.name 'delete_rep'");
    // benign twins: the same destructive tool behind a role or an argument condition, read-only tools, a read-only server
    assertThat(r.out()).doesNotContain("rule wipe-ops", "rule wipe-confirmed", "rule read:", "rule all-docs");
    // the strict mode fails on those warnings
    assertThat(run("policy", "lint", "--config", config.toString(), "--strict", "--tools", "repo=" + dir.resolve("repo.json")).exit())
        .isEqualTo(ExitCodes.FAILED);
  }

  @Test
  void lintWithoutToolDefinitionsSaysSoAndABadToolsFileIsInvalid() throws Exception {
    Path config = dir.resolve("tools.yaml");
    Files.writeString(config, TOOLS_CONFIG);
    Run plain = run("policy", "lint", "--config", config.toString());
    assertThat(plain.out()).contains("no tool definitions").doesNotContain("[unknown_tool]", "rule wipe:");
    Files.writeString(dir.resolve("bad.json"), "{\"tools\": [{\"name\": \"delete_repo\"}]}");
    Run bad = run("policy", "lint", "--config", config.toString(), "--tools", dir.resolve("bad.json").toString());
    assertThat(bad.exit()).isEqualTo(ExitCodes.INVALID);
    assertThat(bad.err()).contains("'delete_repo' is not an exposed name <server>__<tool>");
    Run unknownServer = run("policy", "lint", "--config", config.toString(), "--tools", "crm=" + dir.resolve("bad.json"));
    assertThat(unknownServer.exit()).isEqualTo(ExitCodes.INVALID);
    assertThat(unknownServer.err()).contains("'crm' is not a configured upstream");
  }
}
