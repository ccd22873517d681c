package dev.bastion.demo;

import dev.bastion.jsonrpc.JsonRpcCodes;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** MCP prompts: one, {@code summarize_notes}, with a required {@code topic}. */
final class DemoPrompts {

  static final String SUMMARIZE_NOTES = "summarize_notes";

  Reply list(ObjectNode params) {
    JsonNode cursor = params.get("cursor");
    if (cursor != null && !cursor.isNull()) {
      return Reply.failure(JsonRpcCodes.INVALID_PARAMS, "unknown cursor: prompts are returned on one page");
    }
    ObjectNode result = JsonNodeFactory.instance.objectNode();
    ObjectNode prompt = result.putArray("prompts").addObject();
    prompt.put("name", SUMMARIZE_NOTES);
    prompt.put("title", "Summarize notes");
    prompt.put("description", "Summarize what the notes in the workspace say about a topic");
    prompt
        .putArray("arguments")
        .addObject()
        .put("name", "topic")
        .put("description", "What to summarize, e.g. \"billing migration\"")
        .put("required", true);
    return Reply.result(result);
  }

  Reply get(ObjectNode params) {
    JsonNode name = params.get("name");
    if (name == null || !name.isString()) {
      return Reply.failure(JsonRpcCodes.INVALID_PARAMS, "\"name\" must be a string naming the prompt");
    }
    if (!SUMMARIZE_NOTES.equals(name.asString())) {
      return Reply.failure(
          JsonRpcCodes.INVALID_PARAMS, "unknown prompt \"" + name.asString() + "\"; available prompts: " + SUMMARIZE_NOTES);
    }
    JsonNode arguments = params.get("arguments");
    if (arguments != null && !arguments.isNull() && !arguments.isObject()) {
      return Reply.failure(JsonRpcCodes.INVALID_PARAMS, "\"arguments\" must be an object of string values");
    }
    JsonNode topic = arguments == null ? null : arguments.get("topic");
    if (topic == null || !topic.isString() || topic.asString().isBlank()) {
      return Reply.failure(
          JsonRpcCodes.INVALID_PARAMS, "summarize_notes needs the argument \"topic\" as a non-empty string");
    }
    String text =
        "Summarize what my notes say about \"" + topic.asString().strip() + "\". "
            + "Use the search_notes tool to find relevant lines under notes/, read the matching files with "
            + "read_file, then write a short summary as bullet points and list the files you used.";
    ObjectNode result = JsonNodeFactory.instance.objectNode();
    result.put("description", "Summary of the notes about " + topic.asString().strip());
    ObjectNode message = result.putArray("messages").addObject();
    message.put("role", "user");
    message.putObject("content").put("type", "text").put("text", text);
    return Reply.result(result);
  }
}
