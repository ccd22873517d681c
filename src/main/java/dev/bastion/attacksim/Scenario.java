package dev.bastion.attacksim;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One catalogue row of ATTACKS.md as data: the tools the scenario gives the good and evil test
 * servers, the labels an operator would write for them, and two scripted flows — the attack and its
 * benign twin — each a list of agent steps with the expected side effect.
 *
 * @param defence the Bastion capability expected to stop the attack (flow, firewall, integrity,
 *     limits, identity, protocol, policy); scenarios whose defence is absent from the build are
 *     reported as not run, never as passed
 * @param notRun why the runner cannot play this scenario faithfully yet (a step type it lacks), or
 *     null; such a scenario is reported as not run with this reason, never as passed
 * @param arguments the firewall argument rules an operator would write for the scenario's tools
 *     (as {@code firewall.tools}: exposed tool name → argument → {@code {type: path|url|plain, roots,
 *     allow_hosts}}; {@code roots} resolve inside the run's temporary folder)
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
    String source) {

  public Scenario {
    Objects.requireNonNull(id, "id");
    tools = List.copyOf(tools);
    labels = Map.copyOf(labels);
    arguments = Map.copyOf(arguments);
    attack = List.copyOf(attack);
    benign = List.copyOf(benign);
  }

  /**
   * A tool of a test server.
   *
   * @param returns the text the tool returns; {@code Map} with {@code attack}/{@code benign} keys
   *     when the two variants differ
   */
  public record Tool(String server, String name, String description, Map<String, Object> annotations, Map<String, Object> inputSchema,
      Object returns, boolean isError) {}

  /** What a step expects to happen. */
  public enum Expect {
    /** The call reaches the tool with the agent's arguments and the agent gets a result. */
    ALLOWED,
    /** The call never reaches the tool and the agent gets an error. */
    BLOCKED
  }

  /**
   * One agent action.
   *
   * @param call the tool's exposed name ({@code good__x}, {@code evil__y})
   * @param args arguments; strings may use {@code ${b64:..}}, {@code ${b64url:..}}, {@code ${hex:..}},
   *     {@code ${url:..}}
   * @param chunks when set, the step is repeated once per piece of {@code text} ({@code size} chars
   *     each) put into argument {@code arg} — data split across calls
   * @param reasons accepted reason codes of a blocked step (any when empty)
   * @param responseLacks text that must not come back to the agent
   * @param newSession start a new flow session (a later conversation) before this step
   */
  public record Step(String call, Map<String, Object> args, Expect expect, Chunks chunks, List<String> reasons, String responseLacks,
      boolean newSession) {}

  public record Chunks(String arg, String text, int size) {}
}
