package dev.bastion.attacksim;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One catalogue row of ATTACKS.md as data: the tools the scenario gives the test servers, the
 * labels an operator would write for them, what the scenario adds to the run's configuration (its
 * own agents and policy rules, a JWT issuer), and two scripted flows — the attack and its benign
 * twin — each a list of steps with the expected side effect.
 *
 * @param defence the Bastion capability expected to stop the attack (flow, firewall, integrity,
 *     limits, identity, protocol, policy); scenarios whose defence is absent from the build are
 *     reported as not run, never as passed
 * @param notRun why the runner cannot play this scenario faithfully yet (a step type it lacks), or
 *     a known defence gap, or null; such a scenario is reported as not run with this reason
 * @param arguments the firewall argument rules an operator would write for the scenario's tools
 *     (as {@code firewall.tools}: exposed tool name → argument → {@code {type: path|url|plain, roots,
 *     allow_hosts}}; {@code roots} resolve inside the run's temporary folder)
 * @param agents agents the scenario adds (name → roles), each with a fresh key; steps act as one
 *     of them with {@code as:}
 * @param rules policy rules the scenario adds (appended after the configuration's)
 * @param jwt whether the scenario needs the run's JWT issuer ({@code identity.jwt} with a key set
 *     generated for the run); steps then send tokens minted by it
 * @param httpUpstreams servers (named by tools) that run over Streamable HTTP instead of stdio
 *     ({@link dev.bastion.attacksim.servers.HttpSimServer}); a canary address no one may contact is
 *     then available to their behaviours as {@code ${canary}}
 */
public record Scenario(
    String id,
    String category,
    String title,
    String defence,
    List<Tool> tools,
    Map<String, Object> labels,
    Map<String, Object> arguments,
    List<Step> attack,
    List<Step> benign,
    String notRun,
    String source,
    Map<String, List<String>> agents,
    List<Rule> rules,
    boolean jwt,
    List<String> httpUpstreams) {

  public Scenario {
    Objects.requireNonNull(id, "id");
    tools = List.copyOf(tools);
    labels = Map.copyOf(labels);
    arguments = Map.copyOf(arguments);
    attack = List.copyOf(attack);
    benign = List.copyOf(benign);
    agents = Map.copyOf(agents);
    rules = List.copyOf(rules);
    httpUpstreams = List.copyOf(httpUpstreams);
  }

  public Scenario(String id, String category, String title, String defence, List<Tool> tools, Map<String, Object> labels, Map<String, Object> arguments,
      List<Step> attack, List<Step> benign, String notRun, String source) {
    this(id, category, title, defence, tools, labels, arguments, attack, benign, notRun, source, Map.of(), List.of(), false, List.of());
  }

  /**
   * A tool of a test server.
   *
   * @param server the upstream that offers it: {@code good}, {@code evil}, or any other name (the
   *     run then starts one more test server under that name, after good and evil)
   * @param returns the text the tool returns; {@code Map} with {@code attack}/{@code benign} keys
   *     when the two variants differ
   * @param behaviour what the server does besides answering (see {@link dev.bastion.attacksim.servers.SimServer}):
   *     {@code repeat}, {@code listed}, {@code after_call}, {@code messages}
   */
  public record Tool(String server, String name, String description, Map<String, Object> annotations, Map<String, Object> inputSchema,
      Object returns, boolean isError, Map<String, Object> behaviour) {
    public Tool {
      behaviour = behaviour == null ? Map.of() : Map.copyOf(behaviour);
    }

    public Tool(String server, String name, String description, Map<String, Object> annotations, Map<String, Object> inputSchema, Object returns,
        boolean isError) {
      this(server, name, description, annotations, inputSchema, returns, isError, Map.of());
    }
  }

  /** A policy rule a scenario adds (as in {@code policy.rules}). */
  public record Rule(String id, String effect, String when, String description) {}

  /** What a step expects to happen. */
  public enum Expect {
    /** The call reaches the tool with the agent's arguments and the agent gets a result. */
    ALLOWED,
    /** The call never reaches the tool and the agent gets an error. */
    BLOCKED,
    /** The call reaches the tool, but what it answered is refused: the agent gets an error. */
    REFUSED
  }

  /**
   * One step: a tool call (default), a raw HTTP exchange ({@code http}), or a wait for the catalog
   * ({@code await}).
   *
   * @param call the tool's exposed name ({@code good__x}, {@code evil__y}); for other kinds a label
   * @param args arguments; strings may use {@code ${b64:..}}, {@code ${b64url:..}}, {@code ${hex:..}},
   *     {@code ${url:..}}
   * @param chunks when set, the step is repeated once per piece of {@code text} ({@code size} chars
   *     each) put into argument {@code arg} — data split across calls
   * @param reasons accepted reason codes of a blocked or refused step (any when empty)
   * @param responseLacks text that must not come back to the agent
   * @param newSession start a new flow session (a later conversation) before this step
   * @param as the scenario agent that makes the call (null: the suite agent)
   * @param responseContains text that must come back to the agent
   * @param responseMaxChars the most characters the agent may receive (0: no bound)
   * @param serverRequestsRefused every request the test server sent the gateway during the step
   *     (elicitation, sampling) must have been answered with an error
   */
  public record Step(String call, Map<String, Object> args, Expect expect, Chunks chunks, List<String> reasons, String responseLacks,
      boolean newSession, String as, Http http, Await await, String responseContains, int responseMaxChars, boolean serverRequestsRefused) {

    public Step(String call, Map<String, Object> args, Expect expect, Chunks chunks, List<String> reasons, String responseLacks, boolean newSession) {
      this(call, args, expect, chunks, reasons, responseLacks, newSession, null, null, null, null, 0, false);
    }
  }

  public record Chunks(String arg, String text, int size) {}

  /**
   * A raw HTTP exchange with the gateway's listener, for what a tool call cannot express: malformed
   * bodies, foreign tokens, legacy sessions, endpoints other than {@code /mcp}.
   *
   * @param auth {@code agent} (the suite agent's key, default), {@code agent:NAME} (a scenario
   *     agent's key), {@code jwt} (a token minted by the run's issuer with {@link #claims}) or
   *     {@code none}
   * @param claims claims of a minted token; {@code ${resource}} is the gateway's resource URI
   * @param body the request body; {@code ${var:NAME}} inserts a captured value
   * @param bodyBase64 the request body as base64 (for bytes that are not UTF-8); wins over body
   * @param status accepted HTTP status codes (any when empty)
   * @param errorCode the JSON-RPC error code the body must carry, or null
   * @param reaches a tool (exposed name) that must have been reached; a blocked step reaches none
   * @param capture variables to keep for later steps of the flow: name → {@code header:NAME} or
   *     {@code json:/pointer}
   */
  public record Http(String method, String path, Map<String, String> headers, String auth, Map<String, Object> claims, String body,
      String bodyBase64, List<Integer> status, Integer errorCode, String reaches, Map<String, String> capture) {
    public Http {
      headers = Map.copyOf(headers);
      claims = Map.copyOf(claims);
      status = List.copyOf(status);
      capture = Map.copyOf(capture);
    }
  }

  /**
   * Waits (bounded) until the suite agent's {@code tools/list} shows {@code listed} and no longer
   * shows {@code unlisted}: the gateway has taken in a server's changed list. Never met in time is a
   * miss.
   */
  public record Await(String listed, String unlisted) {}
}
