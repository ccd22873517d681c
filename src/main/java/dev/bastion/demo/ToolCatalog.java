package dev.bastion.demo;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import dev.bastion.jsonrpc.JsonRpcCodes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The demo tools: definitions come from {@code demo/tools.json} (what {@code tools/list} shows is
 * exactly what is enforced), behaviour from handlers bound by name. Schemas are compiled once, at
 * construction; a definition without a handler or a handler without a definition fails loudly.
 */
final class ToolCatalog {

  private record Tool(String name, ObjectNode definition, Schema input, ToolHandler handler) {}

  private final Map<String, Tool> tools;
  private final ArrayNode definitions;

  ToolCatalog(JsonMapper mapper, Map<String, ToolHandler> handlers) {
    JsonNode all = mapper.readTree(Fixtures.readResource("demo/tools.json"));
    SchemaRegistry registry =
        SchemaRegistry.withDefaultDialect(
            SpecificationVersion.DRAFT_2020_12,
            b -> b.schemaRegistryConfig(SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build()));
    Map<String, Tool> byName = new LinkedHashMap<>();
    ArrayNode defs = JsonNodeFactory.instance.arrayNode();
    for (JsonNode node : all) {
      ObjectNode definition = (ObjectNode) node;
      String name = definition.required("name").asString();
      ToolHandler handler = handlers.get(name);
      if (handler == null) {
        throw new IllegalStateException("tool \"" + name + "\" is defined in demo/tools.json but has no handler");
      }
      Schema input = registry.getSchema(definition.required("inputSchema"));
      if (byName.put(name, new Tool(name, definition, input, handler)) != null) {
        throw new IllegalStateException("tool \"" + name + "\" is defined twice in demo/tools.json");
      }
      defs.add(definition);
    }
    for (String name : handlers.keySet()) {
      if (!byName.containsKey(name)) {
        throw new IllegalStateException("handler for \"" + name + "\" has no definition in demo/tools.json");
      }
    }
    this.tools = Map.copyOf(byName);
    this.definitions = defs;
  }

  /** {@code tools/list}. */
  Reply list(ObjectNode params) {
    JsonNode cursor = params.get("cursor");
    if (cursor != null && !cursor.isNull()) {
      return Reply.failure(
          JsonRpcCodes.INVALID_PARAMS, "unknown cursor: this server returns every tool on one page and issues no cursors");
    }
    ObjectNode result = JsonNodeFactory.instance.objectNode();
    result.set("tools", definitions.deepCopy());
    return Reply.result(result);
  }

  /** {@code tools/call}: protocol errors for a bad call, tool errors (isError) for bad arguments. */
  Reply call(ObjectNode params, ToolContext context) throws InterruptedException {
    JsonNode name = params.get("name");
    if (name == null || !name.isString()) {
      return Reply.failure(JsonRpcCodes.INVALID_PARAMS, "\"name\" must be a string naming the tool to call");
    }
    Tool tool = tools.get(name.asString());
    if (tool == null) {
      return Reply.failure(
          JsonRpcCodes.INVALID_PARAMS,
          "unknown tool \"" + name.asString() + "\"; available tools: " + String.join(", ", new TreeSet<>(tools.keySet())));
    }
    JsonNode args = params.get("arguments");
    ObjectNode arguments;
    if (args == null || args.isNull()) {
      arguments = JsonNodeFactory.instance.objectNode();
    } else if (args.isObject()) {
      arguments = (ObjectNode) args;
    } else {
      return Reply.failure(JsonRpcCodes.INVALID_PARAMS, "\"arguments\" must be an object of named tool arguments");
    }
    List<Error> errors = tool.input().validate(arguments);
    if (!errors.isEmpty()) {
      String detail = errors.stream().map(Error::toString).limit(10).collect(Collectors.joining("; "));
      return Reply.result(
          ToolOutcome.failed("invalid arguments for " + tool.name() + ": " + detail).toResult());
    }
    return Reply.result(tool.handler().call(arguments, context).toResult());
  }

  List<String> names() {
    return new ArrayList<>(tools.keySet());
  }
}
