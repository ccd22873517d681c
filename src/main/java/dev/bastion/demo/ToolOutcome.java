package dev.bastion.demo;

import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** What a tool produced. Failures are tool results with {@code isError: true}, not protocol errors. */
sealed interface ToolOutcome {

  /** {@code structured} is null unless the tool declares an output schema. */
  record Done(String text, ObjectNode structured) implements ToolOutcome {}

  record Failed(String message) implements ToolOutcome {}

  static ToolOutcome done(String text) {
    return new Done(text, null);
  }

  static ToolOutcome failed(String message) {
    return new Failed(message);
  }

  /** The MCP {@code CallToolResult}. */
  default ObjectNode toResult() {
    ObjectNode result = JsonNodeFactory.instance.objectNode();
    switch (this) {
      case Done done -> {
        result.putArray("content").addObject().put("type", "text").put("text", done.text());
        if (done.structured() != null) {
          result.set("structuredContent", done.structured());
        }
        result.put("isError", false);
      }
      case Failed failed -> {
        result.putArray("content").addObject().put("type", "text").put("text", failed.message());
        result.put("isError", true);
      }
    }
    return result;
  }
}
