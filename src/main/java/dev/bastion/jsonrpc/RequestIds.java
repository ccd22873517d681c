package dev.bastion.jsonrpc;

import tools.jackson.databind.JsonNode;

/**
 * A JSON-RPC id as a map key: its JSON text, so that the string {@code "7"} and the number {@code 7}
 * stay different keys. The same text as {@code JsonNode.toString()} (RequestIdsTest), which
 * serialises through the databind layer and cost about 2 % of a forwarded call's samples; the
 * common ids (integers, plain ASCII strings) are written here and everything else falls back.
 */
public final class RequestIds {
  private RequestIds() {}

  public static String key(JsonNode id) {
    if (id.isInt() || id.isLong()) {
      return Long.toString(id.longValue());
    }
    if (id.isString()) {
      String s = id.stringValue();
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
          return id.toString();
        }
      }
      return "\"" + s + "\"";
    }
    return id.toString();
  }
}
