package dev.bastion.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bastion.config.PolicyConfig;
import dev.bastion.config.PolicyConfig.Effect;
import dev.bastion.config.PolicyConfig.Mode;
import dev.bastion.pipeline.Principal;
import dev.bastion.pipeline.Target;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** Small builders shared by the policy tests. */
final class Fixtures {
  private Fixtures() {}

  static final JsonMapper JSON = JsonMapper.builder().build();

  static PolicyConfig.Rule rule(String id, Effect effect, String when) {
    return new PolicyConfig.Rule(id, effect, when, Mode.ENFORCE, null, 0);
  }

  static PolicyConfig.Rule shadowRule(String id, Effect effect, String when) {
    return new PolicyConfig.Rule(id, effect, when, Mode.SHADOW, null, 0);
  }

  static PolicyConfig policy(Effect defaultEffect, PolicyConfig.Rule... rules) {
    return new PolicyConfig(defaultEffect, Arrays.asList(rules));
  }

  static CompiledPolicy compiled(Effect defaultEffect, PolicyConfig.Rule... rules) {
    PolicyCompilation result = PolicyCompiler.compile(policy(defaultEffect, rules));
    assertThat(result).as("policy compiles").isInstanceOf(CompiledPolicy.class);
    return (CompiledPolicy) result;
  }

  static Principal agent(String id, String... roles) {
    return Principal.agent(id, List.of(roles), "api_key");
  }

  static ObjectNode json(String text) {
    return (ObjectNode) JSON.readTree(text);
  }

  static Target tool(String server, String name, String definitionJson) {
    ObjectNode definition = definitionJson == null ? json("{\"name\":\"" + name + "\"}") : json(definitionJson);
    return new Target(Target.Kind.TOOL, server, server + "__" + name, name, definition);
  }

  static PolicyInput call(Principal principal, Target tool, String argumentsJson) {
    ObjectNode params = json("{}");
    params.put("name", tool.exposedName());
    params.set("arguments", json(argumentsJson));
    return new PolicyInput(principal, "tools/call", tool, params, SessionFacts.NONE, Instant.parse("2026-11-22T10:00:00Z"), "127.0.0.1");
  }
}
