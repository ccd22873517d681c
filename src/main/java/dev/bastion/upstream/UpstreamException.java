package dev.bastion.upstream;

import dev.bastion.pipeline.ReasonCode;
import tools.jackson.databind.JsonNode;

/** Why a call to an upstream did not produce a result. */
public sealed class UpstreamException extends Exception {
  private final ReasonCode reason;

  public UpstreamException(ReasonCode reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
  }

  public UpstreamException(ReasonCode reason, String message, Throwable cause) {
    super(message, cause, false, false);
    this.reason = reason;
  }

  public ReasonCode reason() {
    return reason;
  }

  /** The server answered with a JSON-RPC error object; relayed to the agent as is. */
  public static final class Remote extends UpstreamException {
    private final int code;
    private final transient JsonNode data;

    public Remote(int code, String message, JsonNode data) {
      super(ReasonCode.UPSTREAM_PROTOCOL_ERROR, message);
      this.code = code;
      this.data = data;
    }

    public int code() {
      return code;
    }

    public JsonNode data() {
      return data;
    }
  }
}
