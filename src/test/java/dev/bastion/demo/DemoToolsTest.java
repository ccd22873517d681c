package dev.bastion.demo;

import static dev.bastion.demo.TestClient.params;
import static dev.bastion.demo.TestClient.text;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

class DemoToolsTest {

  @TempDir Path temp;
  Path root;
  TestClient client;

  @BeforeEach
  void start() throws Exception {
    root = temp.resolve("workspace");
    client = new TestClient(root);
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
  }

  private Map<String, JsonNode> listedTools() {
    Map<String, JsonNode> byName = new HashMap<>();
    for (JsonNode tool : client.request("tools/list", params()).get("result").get("tools")) {
      byName.put(tool.get("name").asString(), tool);
    }
    return byName;
  }

  @Test
  void toolsListOffersTheDemoToolsWithDescribedObjectSchemas() {
    Map<String, JsonNode> tools = listedTools();

    assertThat(tools.keySet())
        .containsExactlyInAnyOrder("read_file", "list_files", "search_notes", "fetch_url", "send_email", "echo", "slow_task");
    assertThat(tools.values())
        .allSatisfy(
            tool -> {
              assertThat(tool.get("description").asString()).isNotBlank();
              assertThat(tool.get("title").asString()).isNotBlank();
              JsonNode schema = tool.get("inputSchema");
              assertThat(schema.get("type").asString()).isEqualTo("object");
              for (JsonNode property : schema.get("properties")) {
                assertThat(property.get("description").asString()).isNotBlank();
              }
            });
    assertThat(tools.get("read_file").get("inputSchema").get("required").get(0).asString()).isEqualTo("path");
    JsonNode limit = tools.get("search_notes").get("inputSchema").get("properties").get("limit");
    assertThat(limit.get("type").asString()).isEqualTo("integer");
    assertThat(limit.get("minimum").asInt()).isEqualTo(1);
    assertThat(limit.get("maximum").asInt()).isEqualTo(50);
    JsonNode email = tools.get("send_email").get("inputSchema");
    assertThat(email.get("required").valueStream().map(JsonNode::asString)).containsExactlyInAnyOrder("to", "subject", "body");
    assertThat(email.get("properties").get("cc").get("type").asString()).isEqualTo("array");
  }

  @Test
  void toolAnnotationsSayWhichToolsReadOnlyAndWhichReachTheOutsideWorld() {
    Map<String, JsonNode> tools = listedTools();

    for (String readOnly : List.of("read_file", "list_files", "search_notes", "fetch_url", "echo", "slow_task")) {
      JsonNode annotations = tools.get(readOnly).get("annotations");
      assertThat(annotations.get("readOnlyHint").asBoolean()).as(readOnly).isTrue();
      assertThat(annotations.get("destructiveHint").asBoolean()).as(readOnly).isFalse();
    }
    for (String closed : List.of("read_file", "list_files", "search_notes", "echo", "slow_task")) {
      assertThat(tools.get(closed).get("annotations").get("openWorldHint").asBoolean()).as(closed).isFalse();
    }
    assertThat(tools.get("fetch_url").get("annotations").get("openWorldHint").asBoolean()).isTrue();
    JsonNode send = tools.get("send_email").get("annotations");
    assertThat(send.get("readOnlyHint").asBoolean()).isFalse();
    assertThat(send.get("destructiveHint").asBoolean()).isFalse();
    assertThat(send.get("openWorldHint").asBoolean()).isTrue();
  }

  @Test
  void echoReturnsTheMessage() {
    JsonNode result = client.callTool("echo", params().put("message", "hello, bastion"));

    assertThat(result.get("isError").asBoolean()).isFalse();
    assertThat(text(result)).isEqualTo("hello, bastion");
  }

  @Test
  void argumentsThatBreakTheInputSchemaAreAToolErrorNamingTheProblem() {
    JsonNode result = client.callTool("echo", params().put("message", 42).put("extra", true));

    assertThat(result.get("isError").asBoolean()).isTrue();
    assertThat(text(result)).contains("invalid arguments for echo").contains("message").contains("extra");
  }

  @Test
  void readFileReturnsTheTextOfAFileInsideTheRoot() {
    JsonNode result = client.callTool("read_file", params().put("path", "notes/roadmap.md"));

    assertThat(result.get("isError").asBoolean()).isFalse();
    assertThat(text(result)).startsWith("# Product roadmap").contains("Billing on Atlas");
  }

  @Test
  void readFileAcceptsDotDotThatStaysInsideTheRoot() {
    JsonNode result = client.callTool("read_file", params().put("path", "notes/../docs/handbook.md"));

    assertThat(result.get("isError").asBoolean()).isFalse();
    assertThat(text(result)).startsWith("# Team handbook");
  }

  @ParameterizedTest(name = "read_file refuses {0}")
  @ValueSource(
      strings = {
        "../outside.txt",
        "notes/../../outside.txt",
        "../../../../../../etc/passwd",
        "/etc/passwd",
        "~/.ssh/id_rsa",
        "C:/Windows/win.ini",
        "..\\outside.txt"
      })
  void readFileRefusesPathsThatLeaveTheRoot(String path) throws Exception {
    Files.writeString(temp.resolve("outside.txt"), "TOP SECRET outside the sandbox");

    JsonNode result = client.callTool("read_file", params().put("path", path));

    assertThat(result.get("isError").asBoolean()).isTrue();
    assertThat(text(result)).doesNotContain("TOP SECRET").doesNotContain("root:");
  }

  @Test
  void readFileRefusesAnAbsolutePathEvenWhenItPointsInsideTheRoot() {
    String absolute = client.server().root().resolve("notes/roadmap.md").toString();

    JsonNode result = client.callTool("read_file", params().put("path", absolute));

    assertThat(result.get("isError").asBoolean()).isTrue();
    assertThat(text(result)).contains("absolute paths are not allowed");
  }

  @Test
  void readFileRefusesASymbolicLinkToAFileOutsideTheRoot() throws Exception {
    Path secret = Files.writeString(temp.resolve("host-secret.txt"), "TOP SECRET host file");
    Files.createSymbolicLink(root.resolve("notes/innocent.md"), secret);

    JsonNode result = client.callTool("read_file", params().put("path", "notes/innocent.md"));

    assertThat(result.get("isError").asBoolean()).isTrue();
    assertThat(text(result)).contains("symbolic link").doesNotContain("TOP SECRET");
  }

  @Test
  void readFileRefusesAPathThroughASymbolicLinkedFolderOutsideTheRoot() throws Exception {
    Path outsideDir = Files.createDirectories(temp.resolve("elsewhere"));
    Files.writeString(outsideDir.resolve("data.txt"), "TOP SECRET folder content");
    Files.createSymbolicLink(root.resolve("docs/shared"), outsideDir);

    JsonNode result = client.callTool("read_file", params().put("path", "docs/shared/data.txt"));

    assertThat(result.get("isError").asBoolean()).isTrue();
    assertThat(text(result)).doesNotContain("TOP SECRET");
  }

  @Test
  void searchNotesSkipsASymbolicLinkThatLeadsOutsideTheRoot() throws Exception {
    Path secret = Files.writeString(temp.resolve("host-notes.md"), "TOP SECRET line");
    Files.createSymbolicLink(root.resolve("notes/linked.md"), secret);

    JsonNode result = client.callTool("search_notes", params().put("query", "top secret"));

    assertThat(result.get("structuredContent").get("matches").isEmpty()).isTrue();
  }

  @Test
  void readFileFollowsASymbolicLinkThatStaysInsideTheRoot() throws Exception {
    Files.createSymbolicLink(root.resolve("notes/latest.md"), root.resolve("notes/roadmap.md"));

    JsonNode result = client.callTool("read_file", params().put("path", "notes/latest.md"));

    assertThat(result.get("isError").asBoolean()).isFalse();
    assertThat(text(result)).startsWith("# Product roadmap");
  }

  @Test
  void readFileOfAMissingFileOrAFolderIsAToolError() {
    JsonNode missing = client.callTool("read_file", params().put("path", "notes/nope.md"));
    JsonNode folder = client.callTool("read_file", params().put("path", "notes"));

    assertThat(missing.get("isError").asBoolean()).isTrue();
    assertThat(text(missing)).contains("no file at");
    assertThat(folder.get("isError").asBoolean()).isTrue();
    assertThat(text(folder)).contains("is a folder");
  }

  @Test
  void readFileRefusesBinaryContent() throws Exception {
    Files.write(root.resolve("docs/logo.bin"), new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1, 2});

    JsonNode result = client.callTool("read_file", params().put("path", "docs/logo.bin"));

    assertThat(result.get("isError").asBoolean()).isTrue();
    assertThat(text(result)).contains("not UTF-8 text");
  }

  @Test
  void listFilesShowsTheRootAndSubfolders() {
    String rootListing = text(client.callTool("list_files", params()));
    String notes = text(client.callTool("list_files", params().put("dir", "notes")));

    assertThat(rootListing).contains("docs/", "notes/", "secrets/", "projects/");
    assertThat(notes).contains("notes/roadmap.md (", "notes/meeting-2026-11-02.md (");
  }

  @Test
  void listFilesRefusesFoldersOutsideTheRoot() {
    JsonNode result = client.callTool("list_files", params().put("dir", ".."));

    assertThat(result.get("isError").asBoolean()).isTrue();
    assertThat(text(result)).contains("escapes the workspace root");
  }

  @Test
  void searchNotesFindsMatchingLinesCaseInsensitivelyWithFileAndLine() {
    JsonNode result = client.callTool("search_notes", params().put("query", "ATLAS"));

    assertThat(result.get("isError").asBoolean()).isFalse();
    JsonNode matches = result.get("structuredContent").get("matches");
    assertThat(matches.size()).isGreaterThanOrEqualTo(2);
    assertThat(matches.valueStream())
        .allSatisfy(
            m -> {
              assertThat(m.get("file").asString()).startsWith("notes/");
              assertThat(m.get("line").asInt()).isPositive();
              assertThat(m.get("text").asString().toLowerCase()).contains("atlas");
            });
    JsonNode first = matches.get(0);
    assertThat(text(result)).contains(first.get("file").asString() + ":" + first.get("line").asInt() + ": ");
  }

  @Test
  void searchNotesOnlyLooksUnderNotes() {
    // "vault" appears in docs/handbook.md only
    JsonNode result = client.callTool("search_notes", params().put("query", "vault"));

    assertThat(result.get("structuredContent").get("matches").isEmpty()).isTrue();
    assertThat(text(result)).contains("No lines in notes/ contain");
  }

  @Test
  void searchNotesHonoursTheLimitAndSaysWhenItTruncated() {
    JsonNode result = client.callTool("search_notes", params().put("query", "a").put("limit", 2));

    assertThat(result.get("structuredContent").get("matches").size()).isEqualTo(2);
    assertThat(result.get("structuredContent").get("truncated").asBoolean()).isTrue();
  }

  @ParameterizedTest(name = "limit {0} is refused")
  @ValueSource(ints = {0, 51, -3})
  void searchNotesRefusesALimitOutsideOneToFifty(int limit) {
    JsonNode result = client.callTool("search_notes", params().put("query", "atlas").put("limit", limit));

    assertThat(result.get("isError").asBoolean()).isTrue();
    assertThat(text(result)).contains("limit");
  }

  @Test
  void fetchUrlServesAFixturePage() {
    JsonNode result = client.callTool("fetch_url", params().put("url", "https://news.example.org/article-1"));

    assertThat(result.get("isError").asBoolean()).isFalse();
    assertThat(text(result)).contains("City council approves new cycling lanes");
  }

  @Test
  void fetchUrlNormalisesHostCaseDefaultPortAndFragment() {
    JsonNode result = client.callTool("fetch_url", params().put("url", "HTTPS://Example.COM:443#top"));

    assertThat(result.get("isError").asBoolean()).isFalse();
    assertThat(text(result)).contains("Example Domain");
  }

  @Test
  void theAttackerPageCarriesAHiddenInstructionInAnHtmlComment() {
    JsonNode result =
        client.callTool("fetch_url", params().put("url", "https://attacker.example.net/page-with-hidden-instructions"));

    String html = text(result);
    int comment = html.indexOf("<!--");
    assertThat(comment).isNotNegative();
    assertThat(html.substring(comment, html.indexOf("-->", comment))).contains("secrets/.env").contains("send_email");
  }

  @Test
  void fetchUrlOfAnUnknownUrlIsAToolErrorAndNeverTouchesTheNetwork() {
    JsonNode result = client.callTool("fetch_url", params().put("url", "http://169.254.169.254/latest/meta-data/"));

    assertThat(result.get("isError").asBoolean()).isTrue();
    assertThat(text(result)).contains("not found in the demo web fixtures");
  }

  @ParameterizedTest(name = "fetch_url refuses {0}")
  @ValueSource(strings = {"file:///etc/passwd", "ftp://example.com/", "not a url", "https://user:pw@example.com/"})
  void fetchUrlRefusesAnythingButPlainHttpUrls(String url) {
    JsonNode result = client.callTool("fetch_url", params().put("url", url));

    assertThat(result.get("isError").asBoolean()).isTrue();
    assertThat(text(result)).contains("not an absolute http(s) URL");
  }

  @Test
  void sendEmailAppendsOneJsonLineToTheOutboxAndReturnsItsMessageId() throws Exception {
    ObjectNode args =
        params().put("to", "mei.lin@corp.example.com").put("subject", "Roadmap").put("body", "Draft attached.\nThanks");
    args.putArray("cc").add("priya@corp.example.com");

    JsonNode result = client.callTool("send_email", args);

    assertThat(result.get("isError").asBoolean()).isFalse();
    String messageId = result.get("structuredContent").get("messageId").asString();
    assertThat(messageId).endsWith("@bastion-demo.local>");
    assertThat(text(result)).contains(messageId);
    List<String> lines = Files.readAllLines(root.resolve("outbox/outbox.jsonl"), StandardCharsets.UTF_8);
    assertThat(lines).hasSize(1);
    JsonNode line = TestClient.JSON.readTree(lines.get(0));
    assertThat(line.get("messageId").asString()).isEqualTo(messageId);
    assertThat(line.get("to").asString()).isEqualTo("mei.lin@corp.example.com");
    assertThat(line.get("cc").get(0).asString()).isEqualTo("priya@corp.example.com");
    assertThat(line.get("subject").asString()).isEqualTo("Roadmap");
    assertThat(line.get("body").asString()).isEqualTo("Draft attached.\nThanks");
  }

  @Test
  void sendEmailAppendsRatherThanOverwrites() throws Exception {
    client.callTool("send_email", params().put("to", "a@corp.example.com").put("subject", "1").put("body", "x"));
    client.callTool("send_email", params().put("to", "b@corp.example.com").put("subject", "2").put("body", "y"));

    assertThat(Files.readAllLines(root.resolve("outbox/outbox.jsonl"))).hasSize(2);
  }

  @ParameterizedTest(name = "send_email refuses recipient {0}")
  @ValueSource(strings = {"not-an-email", "two@a.example, three@b.example", "x@localhost"})
  void sendEmailRefusesARecipientThatIsNotOneAddressAndWritesNothing(String to) {
    JsonNode result = client.callTool("send_email", params().put("to", to).put("subject", "s").put("body", "b"));

    assertThat(result.get("isError").asBoolean()).isTrue();
    assertThat(root.resolve("outbox/outbox.jsonl")).doesNotExist();
  }

  @Test
  void sendEmailWithoutABodyIsAToolError() {
    JsonNode result = client.callTool("send_email", params().put("to", "a@corp.example.com").put("subject", "s"));

    assertThat(result.get("isError").asBoolean()).isTrue();
    assertThat(text(result)).contains("body");
  }
}
