package dev.bastion.attacksim;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Plays {@code http:} steps: one raw request to the gateway's listener — any body (malformed JSON,
 * bytes that are not UTF-8), any path, any credential (a scenario agent's key, a minted token, none)
 * — judged by the HTTP status, the JSON-RPC error code and by which tools were reached meanwhile.
 * Values can be captured from a response (a legacy session id) and used by later steps of the same
 * flow as {@code ${var:NAME}}.
 */
final class RawHttp {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Pattern VAR = Pattern.compile("\\$\\{var:([A-Za-z0-9_]+)}");

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final URI base;
  private final String resource;
  private final Map<String, String> keys;
  private final TokenIssuer issuer;
  private final Map<String, String> vars = new HashMap<>();

  /**
   * @param mcpUrl the gateway's MCP endpoint; paths of steps resolve against it
   * @param resource the resource URI tokens must be minted for
   * @param keys API keys by agent name
   * @param issuer the run's token issuer, or null when no scenario sends tokens
   */
  RawHttp(String mcpUrl, String resource, Map<String, String> keys, TokenIssuer issuer) {
    this.base = URI.create(mcpUrl);
    this.resource = resource;
    this.keys = keys;
    this.issuer = issuer;
  }

  void newFlow() {
    vars.clear();
  }

  String play(Scenario.Step step, CallLog log, int mark, BiPredicate<JsonNode, String> reached) throws IOException, InterruptedException {
    Scenario.Http h = step.http();
    byte[] body = h.bodyBase64() != null ? Base64.getDecoder().decode(h.bodyBase64())
        : h.body() == null ? new byte[0] : substitute(h.body()).getBytes(StandardCharsets.UTF_8);
    HttpRequest.Builder req = HttpRequest.newBuilder(base.resolve(h.path())).timeout(Duration.ofSeconds(60))
        .method(h.method(), body.length == 0 && !h.method().equals("POST") ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    if (h.method().equals("POST")) {
      req.header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream");
    }
    for (Map.Entry<String, String> e : h.headers().entrySet()) {
      req.setHeader(e.getKey(), substitute(e.getValue()));
    }
    String credential = credential(h);
    if (credential != null) {
      req.setHeader("Authorization", "Bearer " + credential);
    }
    HttpResponse<String> res = http.send(req.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    JsonNode message = parse(res.body());
    List<JsonNode> calls = CallLog.calls(log.since(mark));
    String what = "HTTP " + res.statusCode() + " " + StepPlayer.clip(res.body());
    if (!h.status().isEmpty() && !h.status().contains(res.statusCode())) {
      return "expected HTTP status " + h.status() + ", got " + what;
    }
    if (h.errorCode() != null && message.path("error").path("code").asInt(0) != h.errorCode()) {
      return "expected JSON-RPC error " + h.errorCode() + ", got " + what;
    }
    switch (step.expect()) {
      case BLOCKED -> {
        if (!calls.isEmpty()) {
          return "expected no tool to be reached; " + calls.getFirst().path("tool").asString() + " was, with " + StepPlayer.clip(calls.getFirst().path("arguments").toString());
        }
        if (message.has("result")) {
          return "nothing was reached, yet the request got a result: " + what;
        }
        if (!step.reasons().isEmpty() && !step.reasons().contains(message.path("error").path("data").path("reason").asString(""))) {
          return "refused with " + what + ", expected reason " + String.join(" or ", step.reasons());
        }
      }
      case ALLOWED -> {
        if (h.reaches() != null && calls.stream().noneMatch(c -> reached.test(c, h.reaches()))) {
          return "expected " + h.reaches() + " to be reached; it was not (" + what + ")";
        }
        if (message.has("error")) {
          return "expected no JSON-RPC error, got " + what;
        }
      }
      case REFUSED -> {
        return "http steps cannot expect refused";
      }
    }
    for (Map.Entry<String, String> c : h.capture().entrySet()) {
      String value = c.getValue().startsWith("header:") ? res.headers().firstValue(c.getValue().substring(7)).orElse(null)
          : c.getValue().startsWith("json:") ? message.at(c.getValue().substring(5)).asString(null) : null;
      if (value == null) {
        return "nothing to capture as " + c.getKey() + " (" + c.getValue() + ") in " + what;
      }
      vars.put(c.getKey(), value);
    }
    return StepPlayer.received(step, text(message, res.body()));
  }

  private String credential(Scenario.Http h) {
    if (h.auth().equals("none")) {
      return null;
    }
    if (h.auth().equals("jwt")) {
      if (issuer == null) {
        throw new IllegalStateException("a step sends a token, but its scenario does not declare identity: jwt");
      }
      return issuer.mint(h.claims(), resource);
    }
    String agent = h.auth().equals("agent") ? AttackSim.AGENT : h.auth().startsWith("agent:") ? h.auth().substring(6) : null;
    if (agent == null || !keys.containsKey(agent)) {
      throw new IllegalStateException("unknown auth " + h.auth() + " (agent, agent:NAME, jwt or none)");
    }
    return keys.get(agent);
  }

  private String substitute(String s) {
    Matcher m = VAR.matcher(s);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String v = vars.get(m.group(1));
      if (v == null) {
        throw new IllegalStateException("variable " + m.group(1) + " was not captured by an earlier step of this flow");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(v));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** The body as a JSON-RPC message (the last event of an SSE stream), or an empty object. */
  private static JsonNode parse(String body) {
    String text = body.strip();
    if (text.startsWith("event:") || text.startsWith("data:") || text.startsWith(":")) {
      String last = "";
      for (String line : text.split("\n")) {
        if (line.startsWith("data:")) {
          last = line.substring(5).strip();
        }
      }
      text = last;
    }
    try {
      return text.isEmpty() ? JSON.createObjectNode() : JSON.readTree(text);
    } catch (JacksonException e) {
      return JSON.createObjectNode();
    }
  }

  private static String text(JsonNode message, String raw) {
    if (message.has("result") || message.has("error")) {
      return new AgentClient.Reply(200, message.get("result"), message.get("error")).text();
    }
    return raw;
  }
}
