package dev.bastion.demo;

import static dev.bastion.demo.TestClient.params;
import static dev.bastion.demo.TestClient.text;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

class DemoProgressAndCancellationTest {

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

  private ObjectNode slowTaskCall(double seconds, int steps, String progressToken) {
    ObjectNode p = params().put("name", "slow_task");
    p.putObject("arguments").put("seconds", seconds).put("steps", steps);
    if (progressToken != null) {
      p.putObject("_meta").put("progressToken", progressToken);
    }
    return p;
  }

  private List<JsonNode> progressFor(String token) {
    return client.messages().stream()
        .filter(m -> m.has("method") && m.get("method").asString().equals("notifications/progress"))
        .filter(m -> m.get("params").get("progressToken").asString().equals(token))
        .toList();
  }

  @Test
  void slowTaskSendsIncreasingProgressForItsTokenBeforeItsResult() {
    int id = client.newId();
    client.send(client.requestMessage(id, "tools/call", slowTaskCall(0, 3, "job-1")));

    JsonNode response = client.awaitResponse(id);

    assertThat(response.get("result").get("isError").asBoolean()).isFalse();
    assertThat(text(response.get("result"))).contains("finished 3 steps");
    List<JsonNode> progress = progressFor("job-1");
    assertThat(progress).extracting(m -> m.get("params").get("progress").asInt()).containsExactly(0, 1, 2, 3);
    assertThat(progress).allSatisfy(m -> assertThat(m.get("params").get("total").asInt()).isEqualTo(3));
    List<JsonNode> all = client.messages();
    assertThat(all.indexOf(progress.getLast())).isLessThan(all.indexOf(response));
  }

  @Test
  void slowTaskSendsNoProgressWithoutAProgressToken() {
    int id = client.newId();
    client.send(client.requestMessage(id, "tools/call", slowTaskCall(0, 4, null)));

    client.awaitResponse(id);

    assertThat(client.messages()).noneMatch(m -> m.has("method"));
  }

  @Test
  void anIntegerProgressTokenIsEchoedAsAnInteger() {
    int id = client.newId();
    ObjectNode call = slowTaskCall(0, 1, null);
    call.putObject("_meta").put("progressToken", 42);
    client.send(client.requestMessage(id, "tools/call", call));

    client.awaitResponse(id);

    JsonNode first = client.awaitMessage(m -> m.has("method"));
    assertThat(first.get("params").get("progressToken").isIntegralNumber()).isTrue();
    assertThat(first.get("params").get("progressToken").asInt()).isEqualTo(42);
  }

  @Test
  void aSlowTaskDoesNotBlockOtherRequests() {
    int slowId = client.newId();
    client.send(client.requestMessage(slowId, "tools/call", slowTaskCall(30, 30, "long")));
    client.awaitMessage(m -> m.has("method") && m.get("params").get("progressToken").asString().equals("long"));

    JsonNode echo = client.callTool("echo", params().put("message", "still here"));

    assertThat(text(echo)).isEqualTo("still here");
    assertThat(client.messages()).noneMatch(m -> m.has("id") && m.get("id").asInt() == slowId);
    client.notify("notifications/cancelled", params().put("requestId", slowId).put("reason", "test over"));
    assertThat(client.awaitCompletion(slowId)).isEqualTo(Connection.Completion.CANCELLED);
  }

  @Test
  void cancellationStopsASlowTaskEarlyAndNoResponseIsSent() {
    int id = client.newId();
    client.send(client.requestMessage(id, "tools/call", slowTaskCall(30, 30, "to-cancel")));
    client.awaitMessage(m -> m.has("method") && m.get("params").get("progressToken").asString().equals("to-cancel"));

    client.notify("notifications/cancelled", params().put("requestId", id).put("reason", "user pressed stop"));

    assertThat(client.awaitCompletion(id)).isEqualTo(Connection.Completion.CANCELLED);
    JsonNode ping = client.request("ping", null);
    assertThat(ping.has("result")).isTrue();
    assertThat(client.messages()).noneMatch(m -> m.has("id") && !m.get("id").isNull() && m.get("id").asInt() == id);
    assertThat(progressFor("to-cancel").size()).isLessThan(31);
  }

  @Test
  void aCancellationForAnUnknownRequestIsIgnored() {
    client.notify("notifications/cancelled", params().put("requestId", 999_999));
    client.notify("notifications/cancelled", params().put("requestId", true));

    assertThat(client.request("ping", null).has("result")).isTrue();
    assertThat(client.messages()).hasSize(1);
  }

  @Test
  void aStringIdAndAnIntegerIdWithTheSameDigitsAreDifferentRequests() {
    client.sendLine(
        "{\"jsonrpc\":\"2.0\",\"id\":\"5\",\"method\":\"tools/call\",\"params\":{\"name\":\"slow_task\","
            + "\"arguments\":{\"seconds\":30,\"steps\":30},\"_meta\":{\"progressToken\":\"s5\"}}}");
    client.awaitMessage(m -> m.has("method") && m.get("params").get("progressToken").asString().equals("s5"));

    client.notify("notifications/cancelled", params().put("requestId", 5));
    client.sendLine("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"ping\"}");

    assertThat(client.awaitResponse(5).has("result")).isTrue();
    assertThat(client.messages()).noneMatch(m -> m.has("id") && m.get("id").isString());
    client.notify("notifications/cancelled", params().put("requestId", "5"));
    client.awaitCompletion(5);
  }

  @Test
  void reusingTheIdOfARequestInFlightIsAnInvalidRequest() {
    int id = client.newId();
    client.send(client.requestMessage(id, "tools/call", slowTaskCall(30, 30, "first")));
    client.awaitMessage(m -> m.has("method"));

    client.send(client.requestMessage(id, "ping", null));

    JsonNode error = client.awaitMessage(m -> m.has("error"));
    assertThat(error.get("error").get("code").asInt()).isEqualTo(-32600);
    assertThat(error.get("id").asInt()).isEqualTo(id);
    client.notify("notifications/cancelled", params().put("requestId", id));
    assertThat(client.awaitCompletion(id)).isEqualTo(Connection.Completion.CANCELLED);
  }

  @Test
  void whenTheInputEndsARunningSlowTaskStopsAndTheServerReturns() throws Exception {
    int id = client.newId();
    client.send(client.requestMessage(id, "tools/call", slowTaskCall(30, 30, "orphan")));
    client.awaitMessage(m -> m.has("method"));

    client.close();

    assertThat(client.hasStopped()).isTrue();
    JsonNode response = client.awaitResponse(id);
    assertThat(text(response.get("result"))).contains("cancelled").contains("shutdown");
  }
}
