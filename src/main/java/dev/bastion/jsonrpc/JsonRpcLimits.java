package dev.bastion.jsonrpc;

/**
 * Bounds applied while parsing untrusted JSON: the body size is checked by the listener before
 * parsing, the rest by the streaming parser so a hostile document never gets fully materialised.
 */
public record JsonRpcLimits(int maxBodyBytes, int maxNestingDepth, int maxStringLength, int maxNumberLength) {

  public static final JsonRpcLimits DEFAULT = new JsonRpcLimits(4 * 1024 * 1024, 64, 1024 * 1024, 100);

  public JsonRpcLimits {
    if (maxBodyBytes <= 0 || maxNestingDepth <= 0 || maxStringLength <= 0 || maxNumberLength <= 0) {
      throw new IllegalArgumentException("JSON-RPC limits must be positive");
    }
  }
}
