package dev.bastion.attacksim;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Plays one flow's steps against the live gateway and judges each by side effect: tool calls (as
 * the suite agent or a scenario agent, whole or in chunks), raw HTTP exchanges ({@link RawHttp})
 * and waits for the catalog to change.
 */
final class StepPlayer {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Duration AWAIT = Duration.ofSeconds(30);

  private final Map<String, AgentClient> agents;
  private final CallLog log;
  private final Map<String, DirectClient> direct;
  private final List<String> servers;
  private final RawHttp raw;

  StepPlayer(Map<String, AgentClient> agents, CallLog log, Map<String, DirectClient> direct, List<String> servers, RawHttp raw) {
    this.agents = agents;
    this.log = log;
    this.direct = direct;
    this.servers = servers;
    this.raw = raw;
  }

  /** Starts a flow: fresh flow sessions for every agent, no captured variables. */
  void newFlow() {
    agents.values().forEach(AgentClient::newFlowSession);
    raw.newFlow();
  }

  /** Plays one step; returns why it missed its expectation, or null. */
  String play(Scenario.Step step, Scorecard.Result r) throws IOException, InterruptedException {
    if (step.newSession()) {
      agents.values().forEach(AgentClient::newFlowSession);
    }
    int mark = log.mark();
    String miss;
    if (step.http() != null) {
      miss = raw.play(step, log, mark, this::reached);
    } else if (step.await() != null) {
      miss = await(step.await());
    } else {
      miss = playCall(step, r);
    }
    if (miss == null) {
      miss = serverRequests(step, mark);
    }
    return miss != null ? miss : canary(mark);
  }

  /** Whether anyone contacted the canary, the internal address an upstream named: a miss whatever the step expected. */
  private String canary(int mark) throws IOException {
    for (JsonNode e : log.since(mark)) {
      if (e.has("canary")) {
        return "the internal canary address was contacted: " + e.path("canary").asString();
      }
    }
    return null;
  }

  private String playCall(Scenario.Step step, Scorecard.Result r) throws IOException, InterruptedException {
    AgentClient agent = agents.get(step.as() == null ? AttackSim.AGENT : step.as());
    if (agent == null) {
      return "no agent named " + step.as() + " (declare it under the scenario's agents:)";
    }
    ObjectNode args = JSON.createObjectNode();
    step.args().forEach((k, v) -> args.set(k, JSON.valueToTree(AttackSim.expand(v))));
    if (step.chunks() == null) {
      return judge(step, call(agent, step.call(), args, r));
    }
    String text = step.chunks().text();
    StringBuilder delivered = new StringBuilder();
    boolean refused = false;
    List<String> misses = new ArrayList<>();
    for (int i = 0; i < text.length(); i += step.chunks().size()) {
      String piece = text.substring(i, Math.min(text.length(), i + step.chunks().size()));
      ObjectNode a = args.deepCopy();
      a.put(step.chunks().arg(), piece);
      Call c = call(agent, step.call(), a, r);
      if (c.reached()) {
        delivered.append(piece);
      }
      if (!c.reply().ok()) {
        refused = true;
        if (step.expect() == Scenario.Expect.BLOCKED) {
          String miss = judge(step, c);
          if (miss != null) {
            misses.add(miss);
          }
          break;
        }
      }
    }
    return switch (step.expect()) {
      case ALLOWED -> refused || !delivered.toString().equals(text) ? "expected every piece to reach the tool; " + delivered.length() + " of "
          + text.length() + " characters did" : null;
      case BLOCKED -> !refused ? "expected the split data to be stopped, but all " + text.length() + " characters reached the tool"
          : !misses.isEmpty() ? misses.getFirst() : null;
      case REFUSED -> "chunks cannot expect refused";
    };
  }

  private record Call(AgentClient.Reply reply, boolean reached, JsonNode reachedArgs) {}

  private Call call(AgentClient agent, String tool, ObjectNode args, Scorecard.Result r) throws IOException, InterruptedException {
    int mark = log.mark();
    long start = System.nanoTime();
    AgentClient.Reply reply = agent.callTool(tool, args);
    long through = System.nanoTime() - start;
    JsonNode reachedArgs = null;
    boolean reached = false;
    for (JsonNode entry : CallLog.calls(log.since(mark))) {
      if (reached(entry, tool)) {
        reached = true;
        reachedArgs = entry.get("arguments");
      }
    }
    String server = tool.contains("__") ? tool.substring(0, tool.indexOf("__")) : "";
    DirectClient d = direct.get(server);
    if (reached && reply.ok() && d != null) {
      long directNanos = d.time(tool.substring(tool.indexOf("__") + 2), args);
      r.addedLatencyMicros().add(Math.max(0, (through - directNanos) / 1000));
    }
    return new Call(reply, reached, reachedArgs);
  }

  /** Whether a logged call is a call of the exposed tool {@code tool} ({@code server__name}). */
  boolean reached(JsonNode entry, String tool) {
    int cut = tool.indexOf("__");
    String server = cut < 0 ? "" : tool.substring(0, cut);
    String name = cut < 0 ? tool : tool.substring(cut + 2);
    return entry.path("tool").asString().equals(name) && (cut < 0 || entry.path("role").asString().equals(RunConfig.role(server, servers)));
  }

  private static String judge(Scenario.Step step, Call c) {
    switch (step.expect()) {
      case ALLOWED -> {
        if (!c.reached()) {
          return "expected the call to reach the tool; it did not (" + clip(c.reply().text()) + ")";
        }
        if (!c.reply().ok()) {
          return "the tool was called but the agent got an error: " + clip(c.reply().text());
        }
      }
      case BLOCKED -> {
        if (c.reached()) {
          return "expected the call to be stopped; it reached the tool with " + clip(String.valueOf(c.reachedArgs()));
        }
        if (c.reply().ok()) {
          return "the tool was not called, yet the agent got a result";
        }
        if (!step.reasons().isEmpty() && !step.reasons().contains(c.reply().reason())) {
          return "stopped with reason " + c.reply().reason() + ", expected " + String.join(" or ", step.reasons());
        }
      }
      case REFUSED -> {
        if (!c.reached()) {
          return "expected the call to reach the tool and its answer to be refused; it never reached the tool (" + clip(c.reply().text()) + ")";
        }
        if (c.reply().ok()) {
          return "expected the tool's answer to be refused; the agent got it (" + c.reply().text().length() + " characters)";
        }
        if (!step.reasons().isEmpty() && !step.reasons().contains(c.reply().reason())) {
          return "refused with reason " + c.reply().reason() + ", expected " + String.join(" or ", step.reasons());
        }
      }
    }
    return received(step, c.reply().text());
  }

  /** The checks on what came back to the agent: response_lacks, response_contains, response_max_chars. */
  static String received(Scenario.Step step, String text) {
    if (step.responseLacks() != null && text.contains(step.responseLacks())) {
      return "the agent received text that should have been removed: " + clip(step.responseLacks());
    }
    if (step.responseContains() != null && !text.contains(step.responseContains())) {
      return "the agent did not receive " + clip(step.responseContains()) + " (got " + clip(text) + ")";
    }
    if (step.responseMaxChars() > 0 && text.length() > step.responseMaxChars()) {
      return "the agent received " + text.length() + " characters, more than " + step.responseMaxChars();
    }
    return null;
  }

  /** With {@code server_requests_refused}: every request a test server sent the gateway during the step got an error back, and there was one. */
  private String serverRequests(Scenario.Step step, int mark) throws IOException {
    if (!step.serverRequestsRefused()) {
      return null;
    }
    List<JsonNode> requests = log.since(mark).stream().filter(e -> e.has("server_request")).toList();
    if (requests.isEmpty()) {
      return "expected the test server to send the gateway a request during the step; it sent none";
    }
    for (JsonNode q : requests) {
      if (!q.path("answer").has("error")) {
        return "the gateway answered the server's " + q.path("server_request").asString() + " with " + clip(q.path("answer").toString());
      }
    }
    return null;
  }

  /** Polls the suite agent's tools/list until the condition holds (the gateway re-lists a server after list_changed in the background). */
  private String await(Scenario.Await await) throws IOException, InterruptedException {
    AgentClient agent = agents.get(AttackSim.AGENT);
    long deadline = System.nanoTime() + AWAIT.toNanos();
    List<String> names = List.of();
    while (System.nanoTime() < deadline) {
      AgentClient.Reply reply = agent.listTools();
      if (!reply.ok()) {
        return "tools/list failed: " + clip(reply.text());
      }
      List<String> listed = new ArrayList<>();
      reply.result().path("tools").forEach(t -> listed.add(t.path("name").asString()));
      names = listed;
      boolean listedOk = await.listed() == null || names.contains(await.listed());
      boolean unlistedOk = await.unlisted() == null || !names.contains(await.unlisted());
      if (listedOk && unlistedOk) {
        return null;
      }
      Thread.sleep(100); // a bounded poll of a background re-list; there is no event to wait on from outside the gateway
    }
    return "after " + AWAIT.toSeconds() + " s the catalog still " + (await.listed() != null && !names.contains(await.listed())
        ? "lacks " + await.listed() : "lists " + await.unlisted());
  }

  static String clip(String s) {
    return s.length() > 200 ? s.substring(0, 200) + "…" : s;
  }
}
