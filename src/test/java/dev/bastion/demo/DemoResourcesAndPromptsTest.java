package dev.bastion.demo;

import static dev.bastion.demo.TestClient.params;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

class DemoResourcesAndPromptsTest {

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

  @Test
  void resourcesListShowsEveryNoteAsAMarkdownFileUri() {
    JsonNode resources = client.request("resources/list", params()).get("result").get("resources");

    assertThat(resources.valueStream().map(r -> r.get("uri").asString()))
        .containsExactly("file:///notes/ideas.md", "file:///notes/meeting-2026-11-02.md", "file:///notes/roadmap.md");
    assertThat(resources.valueStream())
        .allSatisfy(
            r -> {
              assertThat(r.get("mimeType").asString()).isEqualTo("text/markdown");
              assertThat(r.get("name").asString()).endsWith(".md");
            });
  }

  @Test
  void aNoteWithASpaceInItsNameIsListedWithAPercentEncodedUriThatReadsBack() throws Exception {
    Files.writeString(root.resolve("notes/team lunch.md"), "# Lunch\nFriday");

    JsonNode resources = client.request("resources/list", params()).get("result").get("resources");
    assertThat(resources.valueStream().map(r -> r.get("uri").asString())).contains("file:///notes/team%20lunch.md");

    JsonNode contents =
        client.request("resources/read", params().put("uri", "file:///notes/team%20lunch.md")).get("result").get("contents");
    assertThat(contents.get(0).get("text").asString()).isEqualTo("# Lunch\nFriday");
  }

  @Test
  void resourcesReadReturnsTheNoteText() {
    JsonNode contents =
        client.request("resources/read", params().put("uri", "file:///notes/roadmap.md")).get("result").get("contents");

    assertThat(contents.size()).isEqualTo(1);
    assertThat(contents.get(0).get("uri").asString()).isEqualTo("file:///notes/roadmap.md");
    assertThat(contents.get(0).get("mimeType").asString()).isEqualTo("text/markdown");
    assertThat(contents.get(0).get("text").asString()).startsWith("# Product roadmap");
  }

  @Test
  void theFileTemplateReadsAnyWorkspaceFile() {
    JsonNode templates = client.request("resources/templates/list", params()).get("result").get("resourceTemplates");
    assertThat(templates.get(0).get("uriTemplate").asString()).isEqualTo("file:///{path}");

    JsonNode contents =
        client.request("resources/read", params().put("uri", "file:///projects/atlas/customers.csv")).get("result").get("contents");
    assertThat(contents.get(0).get("mimeType").asString()).isEqualTo("text/csv");
    assertThat(contents.get(0).get("text").asString()).startsWith("customer_id,");
  }

  @ParameterizedTest(name = "resources/read refuses {0}")
  @ValueSource(
      strings = {
        "file:///../outside.txt",
        "file:///%2e%2e/outside.txt",
        "file:///notes/%2E%2E/%2E%2E/outside.txt",
        "file:////etc/passwd",
        "https://example.com/",
        "file://host/notes/roadmap.md"
      })
  void resourcesReadRefusesUrisThatLeaveTheRootOrAreNotWorkspaceFiles(String uri) throws Exception {
    Files.writeString(temp.resolve("outside.txt"), "TOP SECRET");

    JsonNode response = client.request("resources/read", params().put("uri", uri));

    assertThat(response.get("error").get("code").asInt()).isEqualTo(-32602);
    assertThat(response.toString()).doesNotContain("TOP SECRET");
  }

  @Test
  void resourcesNeitherListNorReadASymbolicLinkThatLeadsOutsideTheRoot() throws Exception {
    Path secret = Files.writeString(temp.resolve("host.md"), "TOP SECRET");
    Files.createSymbolicLink(root.resolve("notes/link.md"), secret);

    JsonNode listed = client.request("resources/list", params()).get("result").get("resources");
    JsonNode read = client.request("resources/read", params().put("uri", "file:///notes/link.md"));

    assertThat(listed.valueStream().map(r -> r.get("uri").asString())).doesNotContain("file:///notes/link.md");
    assertThat(read.get("error").get("code").asInt()).isEqualTo(-32602);
    assertThat(read.toString()).doesNotContain("TOP SECRET");
  }

  @Test
  void readingAMissingResourceIsResourceNotFound() {
    JsonNode response = client.request("resources/read", params().put("uri", "file:///notes/missing.md"));

    assertThat(response.get("error").get("code").asInt()).isEqualTo(-32002);
    assertThat(response.get("error").get("data").get("uri").asString()).isEqualTo("file:///notes/missing.md");
  }

  @Test
  void resourcesReadWithoutAUriIsInvalidParams() {
    assertThat(client.request("resources/read", params()).get("error").get("code").asInt()).isEqualTo(-32602);
  }

  @Test
  void promptsListOffersSummarizeNotesWithARequiredTopic() {
    JsonNode prompts = client.request("prompts/list", params()).get("result").get("prompts");

    assertThat(prompts.size()).isEqualTo(1);
    assertThat(prompts.get(0).get("name").asString()).isEqualTo("summarize_notes");
    JsonNode argument = prompts.get(0).get("arguments").get(0);
    assertThat(argument.get("name").asString()).isEqualTo("topic");
    assertThat(argument.get("required").asBoolean()).isTrue();
  }

  @Test
  void promptsGetReturnsOneUserMessageAboutTheTopic() {
    JsonNode result =
        client
            .request("prompts/get", params().put("name", "summarize_notes").set("arguments", params().put("topic", "billing")))
            .get("result");

    JsonNode message = result.get("messages").get(0);
    assertThat(message.get("role").asString()).isEqualTo("user");
    assertThat(message.get("content").get("type").asString()).isEqualTo("text");
    assertThat(message.get("content").get("text").asString()).contains("\"billing\"").contains("search_notes");
  }

  @Test
  void promptsGetWithoutTheTopicOrForAnUnknownPromptIsInvalidParams() {
    JsonNode noTopic = client.request("prompts/get", params().put("name", "summarize_notes"));
    JsonNode unknown = client.request("prompts/get", params().put("name", "exfiltrate").set("arguments", params()));

    assertThat(noTopic.get("error").get("code").asInt()).isEqualTo(-32602);
    assertThat(noTopic.get("error").get("message").asString()).contains("topic");
    assertThat(unknown.get("error").get("code").asInt()).isEqualTo(-32602);
  }
}
