package dev.bastion.demo;

import dev.bastion.jsonrpc.JsonRpcCodes;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * MCP resources: every file under notes/ is listed as {@code file:///notes/<name>}; any workspace
 * file can be read through the template {@code file:///{path}}. Reads go through the sandbox.
 */
final class WorkspaceResources {

  /** MCP's "resource not found" error code. */
  static final int RESOURCE_NOT_FOUND = -32002;

  static final String TEMPLATE = "file:///{path}";

  private final Sandbox sandbox;
  private final FileTools files;

  WorkspaceResources(Sandbox sandbox, FileTools files) {
    this.sandbox = sandbox;
    this.files = files;
  }

  Reply list(ObjectNode params) {
    JsonNode cursor = params.get("cursor");
    if (cursor != null && !cursor.isNull()) {
      return Reply.failure(JsonRpcCodes.INVALID_PARAMS, "unknown cursor: resources are returned on one page");
    }
    ObjectNode result = JsonNodeFactory.instance.objectNode();
    ArrayNode resources = result.putArray("resources");
    for (Path file : files.noteFiles()) {
      String relative = sandbox.relative(file);
      ObjectNode entry = resources.addObject();
      entry.put("uri", uriOf(relative));
      entry.put("name", relative.substring(FileTools.NOTES.length() + 1));
      entry.put("title", "Note: " + file.getFileName());
      entry.put("mimeType", FileContent.mimeType(relative));
      try {
        entry.put("size", Files.size(file));
      } catch (IOException e) {
        // size is optional; leave it out
      }
    }
    return Reply.result(result);
  }

  Reply templates(ObjectNode params) {
    ObjectNode result = JsonNodeFactory.instance.objectNode();
    result
        .putArray("resourceTemplates")
        .addObject()
        .put("uriTemplate", TEMPLATE)
        .put("name", "workspace-file")
        .put("title", "Workspace file")
        .put("description", "Any file in the demo workspace, by its path relative to the workspace root");
    return Reply.result(result);
  }

  Reply read(ObjectNode params) {
    JsonNode uriNode = params.get("uri");
    if (uriNode == null || !uriNode.isString()) {
      return Reply.failure(JsonRpcCodes.INVALID_PARAMS, "\"uri\" must be a string such as \"file:///notes/roadmap.md\"");
    }
    String uri = uriNode.asString();
    URI parsed;
    try {
      parsed = new URI(uri);
    } catch (URISyntaxException e) {
      return Reply.failure(JsonRpcCodes.INVALID_PARAMS, "\"uri\" is not a valid URI: " + e.getReason());
    }
    if (!"file".equals(parsed.getScheme())
        || !uri.startsWith("file:///")
        || parsed.getRawQuery() != null
        || parsed.getRawFragment() != null
        || parsed.getPath() == null) {
      return Reply.failure(
          JsonRpcCodes.INVALID_PARAMS,
          "\"uri\" must look like file:///<path relative to the workspace root>, without query or fragment");
    }
    String path = parsed.getPath().substring(1);
    return switch (sandbox.resolve(path)) {
      case Sandbox.Resolution.Refused(String reason) -> Reply.failure(JsonRpcCodes.INVALID_PARAMS, reason);
      case Sandbox.Resolution.Missing(String ignored) -> notFound(uri);
      case Sandbox.Resolution.Inside(Path file, String relative) -> {
        if (!Sandbox.isPlainFile(file)) {
          yield Reply.failure(JsonRpcCodes.INVALID_PARAMS, "\"" + uri + "\" is a folder, not a file");
        }
        ObjectNode content = JsonNodeFactory.instance.objectNode();
        content.put("uri", uri);
        yield switch (FileContent.read(file)) {
          case FileContent.Text(String text) -> {
            content.put("mimeType", FileContent.mimeType(relative)).put("text", text);
            yield contents(content);
          }
          case FileContent.Binary(byte[] bytes) -> {
            content.put("mimeType", "application/octet-stream").put("blob", Base64.getEncoder().encodeToString(bytes));
            yield contents(content);
          }
          case FileContent.TooLarge(long bytes) ->
              Reply.failure(
                  JsonRpcCodes.INVALID_PARAMS,
                  "\"" + uri + "\" is " + bytes + " bytes; resources of at most " + FileContent.MAX_BYTES + " bytes can be read");
          case FileContent.Unreadable(String reason) ->
              Reply.failure(JsonRpcCodes.INTERNAL_ERROR, "\"" + uri + "\" could not be read (" + reason + ")");
        };
      }
    };
  }

  private static Reply contents(ObjectNode content) {
    ObjectNode result = JsonNodeFactory.instance.objectNode();
    result.putArray("contents").add(content);
    return Reply.result(result);
  }

  private static Reply notFound(String uri) {
    ObjectNode data = JsonNodeFactory.instance.objectNode().put("uri", uri);
    return new Reply.Failure(RESOURCE_NOT_FOUND, "Resource not found: " + uri, data);
  }

  /** {@code file:///} plus the relative path, each segment percent-encoded where needed. */
  static String uriOf(String relative) {
    StringBuilder out = new StringBuilder("file:///");
    for (byte b : relative.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~/".indexOf(c) >= 0) {
        out.append((char) c);
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return out.toString();
  }
}
