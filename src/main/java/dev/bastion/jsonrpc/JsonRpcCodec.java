package dev.bastion.jsonrpc;

import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonEncoding;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.util.BufferRecycler;
import tools.jackson.core.util.ByteArrayBuilder;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Decodes and encodes JSON-RPC 2.0 messages with hard limits. Every way a message can be wrong maps
 * to the precise JSON-RPC code: unparsable or duplicate-keyed JSON is -32700, a well-formed value
 * that is not a valid message is -32600. Batches are refused: MCP dropped JSON-RPC batching in
 * 2025-06-18 and a batch is a cheap amplification vector.
 *
 * <p>Messages are read and written with the streaming parser and generator of the mapper's own
 * factory ({@link JsonTrees}): the same limits and the same nodes and text as the mapper's {@code
 * readTree} and {@code writeValueAsBytes}, without a databind context per message and, when
 * encoding, without the intermediate envelope object (JsonTreesEquivalenceTest).
 */
public final class JsonRpcCodec {
  private final JsonMapper mapper;
  private final JsonFactory factory;
  private final JsonRpcLimits limits;

  public JsonRpcCodec(JsonRpcLimits limits) {
    this.limits = limits;
    JsonFactory factory =
        JsonFactory.builder()
            .streamReadConstraints(
                StreamReadConstraints.builder()
                    .maxNestingDepth(limits.maxNestingDepth())
                    .maxStringLength(limits.maxStringLength())
                    .maxNumberLength(limits.maxNumberLength())
                    .maxDocumentLength(limits.maxBodyBytes())
                    .build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    // the streaming reader finds duplicate keys itself (JsonTrees.readObject), without the parser's detector
    this.factory = factory.rebuild().disable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    this.mapper =
        JsonMapper.builder(factory)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
  }

  public JsonRpcLimits limits() {
    return limits;
  }

  /** The shared mapper, configured with this codec's limits. Thread-safe. */
  public JsonMapper mapper() {
    return mapper;
  }

  public static JsonNodeFactory nodes() {
    return JsonNodeFactory.instance;
  }

  /** Parses one message (request, notification or response). */
  public JsonRpcMessage decode(byte[] body) throws JsonRpcException {
    if (body.length > limits.maxBodyBytes()) {
      throw new JsonRpcException(
          JsonRpcCodes.INVALID_REQUEST,
          "message of " + body.length + " bytes exceeds the limit of " + limits.maxBodyBytes(),
          null);
    }
    JsonNode tree;
    try (JsonParser p = factory.createParser(ObjectReadContext.empty(), body)) {
      JsonToken first = p.nextToken();
      if (first == null) {
        throw new JsonRpcException(JsonRpcCodes.PARSE_ERROR, "empty body: expected a JSON-RPC message", null);
      }
      tree = JsonTrees.read(p, first);
      JsonToken trailing = p.nextToken();
      if (trailing != null) {
        throw new JsonRpcException(
            JsonRpcCodes.PARSE_ERROR, "invalid JSON: Trailing token (of type " + trailing + ") found after value", null);
      }
    } catch (StreamConstraintsException e) {
      throw new JsonRpcException(JsonRpcCodes.PARSE_ERROR, "JSON exceeds a limit: " + firstLine(e), null);
    } catch (JacksonException e) {
      throw new JsonRpcException(JsonRpcCodes.PARSE_ERROR, "invalid JSON: " + firstLine(e), null);
    }
    return fromTree(tree);
  }

  /** Validates the shape of an already-parsed value. */
  public JsonRpcMessage fromTree(JsonNode tree) throws JsonRpcException {
    if (tree == null || tree.isMissingNode()) {
      throw new JsonRpcException(JsonRpcCodes.PARSE_ERROR, "empty body: expected a JSON-RPC message", null);
    }
    if (tree.isArray()) {
      throw new JsonRpcException(
          JsonRpcCodes.INVALID_REQUEST,
          "JSON-RPC batches are not supported (removed from MCP in 2025-06-18); send one message per request",
          null);
    }
    if (!tree.isObject()) {
      throw new JsonRpcException(JsonRpcCodes.INVALID_REQUEST, "expected a JSON object, got " + tree.getNodeType(), null);
    }
    ObjectNode obj = (ObjectNode) tree;
    JsonNode idNode = obj.get("id");
    JsonNode id = validId(idNode) ? idNode : null;
    JsonNode version = obj.get("jsonrpc");
    if (version == null || !version.isString() || !"2.0".equals(version.asString())) {
      throw new JsonRpcException(JsonRpcCodes.INVALID_REQUEST, "\"jsonrpc\" must be the string \"2.0\"", id);
    }
    for (Map.Entry<String, JsonNode> field : obj.properties()) {
      switch (field.getKey()) {
        case "jsonrpc", "id", "method", "params", "result", "error" -> {}
        default ->
            throw new JsonRpcException(
                JsonRpcCodes.INVALID_REQUEST, "unexpected member \"" + field.getKey() + "\" in a JSON-RPC message", id);
      }
    }
    if (idNode != null && !validId(idNode)) {
      throw new JsonRpcException(
          JsonRpcCodes.INVALID_REQUEST, "\"id\" must be a string or an integer (null ids are not allowed by MCP)", null);
    }
    JsonNode method = obj.get("method");
    if (method != null) {
      if (!method.isString() || method.asString().isEmpty()) {
        throw new JsonRpcException(JsonRpcCodes.INVALID_REQUEST, "\"method\" must be a non-empty string", id);
      }
      if (obj.has("result") || obj.has("error")) {
        throw new JsonRpcException(JsonRpcCodes.INVALID_REQUEST, "a request must not carry \"result\" or \"error\"", id);
      }
      JsonNode params = obj.get("params");
      ObjectNode p;
      if (params == null) {
        p = nodes().objectNode();
      } else if (params.isObject()) {
        p = (ObjectNode) params;
      } else {
        throw new JsonRpcException(
            JsonRpcCodes.INVALID_REQUEST, "\"params\" must be an object (MCP uses named parameters only)", id);
      }
      return idNode == null
          ? new JsonRpcMessage.Notification(method.asString(), p)
          : new JsonRpcMessage.Request(idNode, method.asString(), p);
    }
    boolean hasResult = obj.has("result");
    boolean hasError = obj.has("error");
    if (hasResult == hasError) {
      throw new JsonRpcException(
          JsonRpcCodes.INVALID_REQUEST, "a message needs \"method\", or exactly one of \"result\" and \"error\"", id);
    }
    if (hasError) {
      JsonNode err = obj.get("error");
      JsonNode code = err.get("code");
      JsonNode message = err.get("message");
      if (!err.isObject() || code == null || !code.canConvertToInt() || !code.isIntegralNumber() || message == null || !message.isString()) {
        throw new JsonRpcException(
            JsonRpcCodes.INVALID_REQUEST, "\"error\" must be an object with an integer \"code\" and a string \"message\"", id);
      }
      return new JsonRpcMessage.Response(idNode, null, new JsonRpcMessage.ErrorObject(code.asInt(), message.asString(), err.get("data")));
    }
    if (idNode == null) {
      throw new JsonRpcException(JsonRpcCodes.INVALID_REQUEST, "a response needs an \"id\"", null);
    }
    return new JsonRpcMessage.Response(idNode, obj.get("result"), null);
  }

  private static boolean validId(JsonNode id) {
    return id != null && (id.isString() || (id.isIntegralNumber() && id.canConvertToLong()));
  }

  /** The message's JSON text: the same bytes as the mapper writing {@link #toTree}, written directly. */
  public byte[] encode(JsonRpcMessage message) {
    BufferRecycler recycler = factory._getBufferRecycler();
    try (ByteArrayBuilder out = new ByteArrayBuilder(recycler)) {
      try (JsonGenerator g = factory.createGenerator(ObjectWriteContext.empty(), out, JsonEncoding.UTF8)) {
        writeMessage(g, message);
      }
      return out.getClearAndRelease();
    } catch (JsonTrees.Unwritable e) {
      return mapper.writeValueAsBytes(toTree(message)); // a binary or POJO node somewhere: the databind way
    } finally {
      recycler.releaseToPool();
    }
  }

  /** Writes what {@link #toTree} builds, member by member, in the same order. */
  private static void writeMessage(JsonGenerator g, JsonRpcMessage message) {
    g.writeStartObject();
    g.writeStringProperty("jsonrpc", "2.0");
    switch (message) {
      case JsonRpcMessage.Request r -> {
        g.writeName("id");
        JsonTrees.write(g, r.id());
        g.writeStringProperty("method", r.method());
        g.writeName("params");
        JsonTrees.write(g, r.params());
      }
      case JsonRpcMessage.Notification n -> {
        g.writeStringProperty("method", n.method());
        if (!n.params().isEmpty()) {
          g.writeName("params");
          JsonTrees.write(g, n.params());
        }
      }
      case JsonRpcMessage.Response r -> {
        g.writeName("id");
        if (r.id() == null) {
          g.writeNull();
        } else {
          JsonTrees.write(g, r.id());
        }
        if (r.error() != null) {
          g.writeName("error");
          g.writeStartObject();
          g.writeNumberProperty("code", r.error().code());
          g.writeName("message");
          if (r.error().message() == null) {
            g.writeNull();
          } else {
            g.writeString(r.error().message());
          }
          if (r.error().data() != null) {
            g.writeName("data");
            JsonTrees.write(g, r.error().data());
          }
          g.writeEndObject();
        } else {
          g.writeName("result");
          if (r.result() == null) {
            g.writeStartObject();
            g.writeEndObject();
          } else {
            JsonTrees.write(g, r.result());
          }
        }
      }
    }
    g.writeEndObject();
  }

  public ObjectNode toTree(JsonRpcMessage message) {
    ObjectNode out = nodes().objectNode();
    out.put("jsonrpc", "2.0");
    switch (message) {
      case JsonRpcMessage.Request r -> {
        out.set("id", r.id());
        out.put("method", r.method());
        out.set("params", r.params());
      }
      case JsonRpcMessage.Notification n -> {
        out.put("method", n.method());
        if (!n.params().isEmpty()) {
          out.set("params", n.params());
        }
      }
      case JsonRpcMessage.Response r -> {
        out.set("id", r.id() == null ? nodes().nullNode() : r.id());
        if (r.error() != null) {
          ObjectNode err = out.putObject("error");
          err.put("code", r.error().code());
          err.put("message", r.error().message());
          if (r.error().data() != null) {
            err.set("data", r.error().data());
          }
        } else {
          out.set("result", r.result() == null ? nodes().objectNode() : r.result());
        }
      }
    }
    return out;
  }

  public static JsonRpcMessage.Response error(JsonNode id, int code, String message, JsonNode data) {
    return new JsonRpcMessage.Response(id, null, new JsonRpcMessage.ErrorObject(code, message, data));
  }

  private static String firstLine(JacksonException e) {
    String m = e.getOriginalMessage();
    if (m == null) {
      return e.getClass().getSimpleName();
    }
    int nl = m.indexOf('\n');
    String line = nl < 0 ? m : m.substring(0, nl);
    return line.length() > 200 ? line.substring(0, 200) + "…" : line;
  }
}
