package dev.bastion.inspect;

/** Which way content is travelling when it is inspected. */
public enum Direction {
  /** Agent to tool: arguments of tools/call and prompts/get. */
  REQUEST("request"),
  /** Tool to agent: results. */
  RESPONSE("response"),
  /** Server to agent: sampling, elicitation and other requests an upstream sends. */
  SERVER_REQUEST("server_request");

  private final String id;

  Direction(String id) {
    this.id = id;
  }

  public String id() {
    return id;
  }
}
