package dev.bastion.demo;

import static dev.bastion.demo.TestClient.params;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

class DemoServerProtocolTest {

  @TempDir Path temp;
  TestClient client;

  @BeforeEach
  void start() throws Exception {
    client = new TestClient(temp.resolve("workspace"));
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
  }

  private JsonNode initialize(String version) {
    return client.request(
        "initialize",
        params()
            .put("protocolVersion", version)
            .<tools.jackson.databind.node.ObjectNode>set("capabilities", params())
            .set("clientInfo", params().put("name", "test-client").put("version", "1.0")));
  }

  @Test
  void initializeAnswersWithTheLatestRevisionCapabilitiesAndServerInfo() {
    JsonNode result = initialize("2025-11-25").get("result");

    assertThat(result.get("protocolVersion").asString()).isEqualTo("2025-11-25");
    JsonNode capabilities = result.get("capabilities");
    assertThat(capabilities.get("tools").get("listChanged").asBoolean()).isFalse();
    assertThat(capabilities.get("resources").isObject()).isTrue();
    assertThat(capabilities.get("prompts").isObject()).isTrue();
    assertThat(capabilities.propertyNames()).containsExactlyInAnyOrder("tools", "resources", "prompts");
    assertThat(result.get("serverInfo").get("name").asString()).isEqualTo("bastion-demo");
    assertThat(result.get("serverInfo").get("version").asString()).isNotBlank();
  }

  @ParameterizedTest(name = "client asks for {0}, server answers {1}")
  @CsvSource({
    "2025-11-25, 2025-11-25",
    "2025-06-18, 2025-06-18",
    "2025-03-26, 2025-03-26",
    "2024-11-05, 2025-11-25",
    "2099-01-01, 2025-11-25"
  })
  void initializeEchoesASupportedRevisionAndOffersTheLatestOtherwise(String asked, String answered) {
    assertThat(initialize(asked).get("result").get("protocolVersion").asString()).isEqualTo(answered);
  }

  @Test
  void initializeWithoutAProtocolVersionIsAnInvalidParamsError() {
    JsonNode response = client.request("initialize", params());

    assertThat(response.get("error").get("code").asInt()).isEqualTo(-32602);
    assertThat(response.get("error").get("message").asString()).contains("protocolVersion");
  }

  @Test
  void pingAnswersWithAnEmptyResult() {
    JsonNode response = client.request("ping", null);

    assertThat(response.get("result").isObject()).isTrue();
    assertThat(response.get("result").isEmpty()).isTrue();
  }

  @Test
  void anUnknownMethodIsMethodNotFoundWithTheRequestId() {
    int id = client.newId();
    client.send(client.requestMessage(id, "tools/delete_everything", params()));

    JsonNode response = client.awaitResponse(id);
    assertThat(response.get("error").get("code").asInt()).isEqualTo(-32601);
    assertThat(response.get("error").get("message").asString()).contains("tools/delete_everything").contains("tools/call");
  }

  @Test
  void malformedJsonGetsAParseErrorWithANullIdAndTheServerKeepsServing() {
    client.sendLine("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":");
    client.sendLine("this is not json at all");

    JsonNode first = client.awaitMessage(m -> m.has("error"));
    assertThat(first.get("error").get("code").asInt()).isEqualTo(-32700);
    assertThat(first.get("id").isNull()).isTrue();

    JsonNode ping = client.request("ping", null);
    assertThat(ping.has("result")).isTrue();
    assertThat(client.messages().stream().filter(m -> m.has("error")).map(m -> m.get("error").get("code").asInt()))
        .containsExactly(-32700, -32700);
  }

  @Test
  void aWellFormedValueThatIsNotAJsonRpcMessageIsAnInvalidRequest() {
    client.sendLine("{\"jsonrpc\":\"1.0\",\"id\":5,\"method\":\"ping\"}");

    JsonNode response = client.awaitMessage(m -> m.has("error"));
    assertThat(response.get("error").get("code").asInt()).isEqualTo(-32600);
    assertThat(response.get("id").asInt()).isEqualTo(5);
  }

  @Test
  void callingAnUnknownToolIsInvalidParams() {
    JsonNode response = client.request("tools/call", params().put("name", "rm_rf").set("arguments", params()));

    assertThat(response.get("error").get("code").asInt()).isEqualTo(-32602);
    assertThat(response.get("error").get("message").asString()).contains("rm_rf").contains("read_file");
  }

  @Test
  void toolsCallWithArgumentsThatAreNotAnObjectIsInvalidParams() {
    JsonNode response =
        client.request("tools/call", params().put("name", "echo").put("arguments", "hello"));

    assertThat(response.get("error").get("code").asInt()).isEqualTo(-32602);
  }

  @Test
  void theServerIgnoresNotificationsAndResponsesItDidNotAskFor() {
    client.notify("notifications/initialized", null);
    client.notify("notifications/roots/list_changed", null);
    client.sendLine("{\"jsonrpc\":\"2.0\",\"id\":77,\"result\":{}}");

    JsonNode ping = client.request("ping", null);

    assertThat(ping.has("result")).isTrue();
    assertThat(client.messages()).hasSize(1);
  }

  @Test
  void blankLinesAndCarriageReturnsAreTolerated() {
    client.sendLine("");
    client.sendLine("{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"ping\"}\r");

    assertThat(client.awaitResponse(9).has("result")).isTrue();
  }

  @Test
  void everyOutputLineIsOneCompleteJsonRpcMessage() {
    client.callTool("read_file", params().put("path", "notes/roadmap.md"));

    assertThat(client.rawLines()).allSatisfy(line -> assertThat(line).startsWith("{\"jsonrpc\":\"2.0\"").doesNotContain("\n"));
  }

  @Test
  void theServerReturnsWhenItsInputEnds() throws Exception {
    client.request("ping", null);

    client.close();

    assertThat(client.hasStopped()).isTrue();
  }
}
