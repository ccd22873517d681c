package dev.bastion.integrity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bastion.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.parallel.Resources;
import tools.jackson.databind.node.ObjectNode;

/** The pinned definitions as {@code bastion policy lint} reads them: pinned ones only, and lint uses their annotations. */
@ResourceLock(Resources.SYSTEM_OUT)
class PinnedDefinitionsTest {
  @TempDir Path dir;

  static ObjectNode tool(String json) {
    return (ObjectNode) Definitions.MAPPER.readTree(json);
  }

  private void pin(String server, String name, ObjectNode definition, boolean pendingOnly) {
    ObjectNode canonical = Definitions.canonical(definition);
    PinFile.Entry entry = pendingOnly
        ? new PinFile.Entry(null, new PinFile.Pending(Definitions.hash(canonical), List.of("new"), "", canonical, null))
        : new PinFile.Entry(new PinFile.Pin(Definitions.hash(canonical), PinFile.Source.TOFU, "", canonical, null), null);
    PinStore.inDataDir(dir.resolve("data")).update(p -> p.with(server, name, entry));
  }

  @Test
  void readsPinnedDefinitionsButNotPendingOnesAndNothingWithoutAFile() {
    assertThat(PinnedDefinitions.read(dir.resolve("data"))).isEmpty();
    pin("repo", "delete_repo", tool("{\"name\":\"delete_repo\",\"annotations\":{\"destructiveHint\":true}}"), false);
    pin("repo", "sneaky", tool("{\"name\":\"sneaky\"}"), true);
    var read = PinnedDefinitions.read(dir.resolve("data")).orElseThrow();
    assertThat(read).containsOnlyKeys("repo");
    assertThat(read.get("repo")).containsOnlyKeys("delete_repo");
    assertThat(read.get("repo").get("delete_repo").path("annotations").path("destructiveHint").booleanValue()).isTrue();
  }

  @Test
  void aMalformedPinsFileIsAPreciseError() throws Exception {
    Files.createDirectories(dir.resolve("data"));
    Files.writeString(PinnedDefinitions.file(dir.resolve("data")), "{\"version\": 7, \"tools\": {}}");
    assertThatThrownBy(() -> PinnedDefinitions.read(dir.resolve("data"))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unsupported version");
  }

  @Test
  void lintUsesThePinnedAnnotations() throws Exception {
    pin("repo", "delete_repo", tool("{\"name\":\"delete_repo\",\"annotations\":{\"destructiveHint\":true}}"), false);
    pin("repo", "read_file", tool("{\"name\":\"read_file\",\"annotations\":{\"readOnlyHint\":true}}"), false);
    Path config = dir.resolve("bastion.yaml");
    Files.writeString(config, """
        listen: 127.0.0.1:8080
        data_dir: ./data
        upstreams:
          repo: { url: "http://127.0.0.1:3102/mcp" }
        agents:
          dev: { roles: [dev], anonymous: true }
        policy:
          default: deny
          rules:
            - { id: delete-anything, effect: allow, when: 'tool.name == "delete_repo"' }
            - { id: read-anything, effect: allow, when: 'tool.name == "read_file"' }
            - { id: typo, effect: allow, when: 'tool.name == "read_fiel" && "dev" in agent.roles' }
        """);
    String out = lint("policy", "lint", "--config", config.toString());
    assertThat(out).contains("[tool_definitions]", "2 tool definitions of 1 servers from pins file",
        "[unconditional_destructive] rule delete-anything", "repo/delete_repo", "warning [unknown_tool] rule typo: tool.name 'read_fiel'");
    assertThat(out).doesNotContain("rule read-anything");
    String without = lint("policy", "lint", "--config", config.toString(), "--no-pins");
    assertThat(without).contains("no tool definitions").doesNotContain("rule delete-anything", "[unknown_tool]");
  }

  private static String lint(String... args) {
    PrintStream out = System.out;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      Main.run(args);
      return o.toString(StandardCharsets.UTF_8);
    } finally {
      System.setOut(out);
    }
  }
}
