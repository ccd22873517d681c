package dev.bastion.federation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bastion.jsonrpc.JsonRpcCodec;
import dev.bastion.jsonrpc.JsonRpcLimits;
import dev.bastion.pipeline.Target;
import java.util.Iterator;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The params forwarded upstream (a copy of the top level, {@code _meta} and a completion's ref,
 * sharing the rest) are, as text, what the former deep copy produced, and building them or
 * changing their top level and {@code _meta} afterwards (as the upstream client and tracing do)
 * leaves the agent's params as they were.
 */
class DispatchParamsEquivalenceTest {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private final JsonRpcCodec codec = new JsonRpcCodec(JsonRpcLimits.DEFAULT);

  /** The former DispatchStage.upstreamParams, verbatim. */
  private static ObjectNode deepCopied(ObjectNode agentParams, Target target) {
    ObjectNode params = agentParams.deepCopy();
    switch (target.kind()) {
      case TOOL, PROMPT -> params.put("name", target.upstreamName());
      case COMPLETION -> {
        JsonNode ref = params.get("ref");
        if (ref instanceof ObjectNode r && r.has("name")) {
          r.put("name", target.upstreamName());
        }
      }
      case RESOURCE, GATEWAY -> {}
    }
    if (params.get("_meta") instanceof ObjectNode meta) {
      Iterator<Map.Entry<String, JsonNode>> it = meta.properties().iterator();
      while (it.hasNext()) {
        if (it.next().getKey().startsWith("io.modelcontextprotocol/")) {
          it.remove();
        }
      }
      if (meta.isEmpty()) {
        params.remove("_meta");
      }
    }
    return params;
  }

  private static JsonNode value(Random r, int depth) {
    return switch (depth > 2 ? r.nextInt(3) : r.nextInt(6)) {
      case 0 -> F.stringNode("s" + r.nextInt(100));
      case 1 -> F.numberNode(r.nextInt());
      case 2 -> F.booleanNode(r.nextBoolean());
      case 3 -> {
        ArrayNode a = F.arrayNode();
        for (int i = r.nextInt(4); i > 0; i--) {
          a.add(value(r, depth + 1));
        }
        yield a;
      }
      default -> object(r, depth + 1);
    };
  }

  private static ObjectNode object(Random r, int depth) {
    ObjectNode o = F.objectNode();
    for (int i = r.nextInt(4); i > 0; i--) {
      o.set("k" + r.nextInt(10), value(r, depth));
    }
    return o;
  }

  private static ObjectNode params(Random r) {
    ObjectNode p = F.objectNode();
    String[] keys = {"name", "arguments", "_meta", "ref", "uri", "argument", "extra"};
    for (int i = 0; i < 6; i++) {
      String k = keys[r.nextInt(keys.length)];
      switch (k) {
        case "_meta" -> {
          if (r.nextInt(4) == 0) {
            p.put("_meta", "not an object");
            break;
          }
          ObjectNode meta = F.objectNode();
          for (int j = r.nextInt(4); j > 0; j--) {
            String mk = switch (r.nextInt(4)) {
              case 0 -> "io.modelcontextprotocol/clientInfo";
              case 1 -> "io.modelcontextprotocol/protocolVersion";
              case 2 -> "progressToken";
              default -> "vendor/" + r.nextInt(5);
            };
            meta.set(mk, value(r, 1));
          }
          p.set("_meta", meta);
        }
        case "ref" -> {
          ObjectNode ref = object(r, 1);
          if (r.nextBoolean()) {
            ref.put("name", "agent-facing");
          }
          p.set("ref", r.nextInt(5) == 0 ? F.stringNode("x") : ref);
        }
        case "name" -> p.put("name", "srv__tool" + r.nextInt(3));
        default -> p.set(k, value(r, 0));
      }
    }
    return p;
  }

  @Test
  void sameTextAsTheDeepCopyAndTheAgentsParamsStayUntouched() {
    Random r = new Random(11);
    Target.Kind[] kinds = Target.Kind.values();
    for (int i = 0; i < 20_000; i++) {
      ObjectNode agent = params(r);
      ObjectNode before = agent.deepCopy();
      String beforeText = new String(codec.mapper().writeValueAsBytes(agent));
      Target target = new Target(kinds[r.nextInt(kinds.length)], "srv", "srv__tool", "tool", F.objectNode());
      ObjectNode forwarded = DispatchStage.upstreamParams(agent, target);
      assertThat(codec.mapper().writeValueAsString(forwarded)).isEqualTo(codec.mapper().writeValueAsString(deepCopied(before.deepCopy(), target)));
      // the upstream client and tracing write the top level and _meta of what they are given
      forwarded.put("name", "changed");
      forwarded.put("extra", "changed");
      ObjectNode meta = forwarded.get("_meta") instanceof ObjectNode m ? m : forwarded.putObject("_meta");
      meta.put("traceparent", "changed");
      meta.put("progressToken", "changed");
      if (forwarded.get("ref") instanceof ObjectNode ref && target.kind() == Target.Kind.COMPLETION && ref.has("name")) {
        ref.put("name", "changed");
      }
      assertThat(agent).isEqualTo(before);
      assertThat(codec.mapper().writeValueAsString(agent)).isEqualTo(beforeText);
    }
  }
}
