package dev.bastion.testing;

import dev.bastion.jsonrpc.JsonRpcCodec;
import dev.bastion.pipeline.Era;
import dev.bastion.upstream.Upstream;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.node.ObjectNode;

/**
 * An upstream that is only ever listed, for catalog tests and benchmarks: a legacy-era server that
 * declares a capability per kind it lists and answers {@code tools/list}, {@code prompts/list}, …
 * with the items given for that kind ({@code "tools"}, {@code "prompts"}, …), and any other call
 * with an empty list.
 */
public record ListingUpstream(String name, Map<String, List<ObjectNode>> lists) implements Upstream {
  public ListingUpstream {
    lists = Map.copyOf(lists);
  }

  /** Lists {@code tools} and nothing else. */
  public static ListingUpstream tools(String name, List<ObjectNode> tools) {
    return new ListingUpstream(name, Map.of("tools", tools));
  }

  /** An item that has only a name. */
  public static ObjectNode named(String itemName) {
    return JsonRpcCodec.nodes().objectNode().put("name", itemName);
  }

  @Override
  public void start() {}

  @Override
  public ServerDescription description() {
    ObjectNode caps = JsonRpcCodec.nodes().objectNode();
    lists.keySet().forEach(caps::putObject);
    return new ServerDescription(Era.LEGACY, "2025-11-25", JsonRpcCodec.nodes().objectNode().put("name", name), caps, null);
  }

  @Override
  public Call call(String method, ObjectNode params, CallOptions options) {
    String kind = method.substring(0, Math.max(0, method.indexOf('/')));
    ObjectNode result = JsonRpcCodec.nodes().objectNode();
    result.putArray(kind).addAll(lists.getOrDefault(kind, List.of()));
    return new Call() {
      @Override
      public ObjectNode await() {
        return result;
      }

      @Override
      public void cancel(String reason) {}
    };
  }

  @Override
  public void notify(String method, ObjectNode params) {}

  @Override
  public Health health() {
    return Health.READY;
  }

  @Override
  public void close() {}
}
