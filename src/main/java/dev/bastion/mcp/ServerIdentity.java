package dev.bastion.mcp;

import dev.bastion.jsonrpc.JsonRpcCodec;
import tools.jackson.databind.node.ObjectNode;

/** How Bastion presents itself to agents: name, version, instructions and capabilities. */
public record ServerIdentity(String name, String version, String instructions) {

  public ObjectNode serverInfo() {
    ObjectNode info = JsonRpcCodec.nodes().objectNode();
    info.put("name", name);
    info.put("version", version);
    return info;
  }

  /** What the federated gateway offers. Lists change when upstreams change, so listChanged is on. */
  public ObjectNode capabilities() {
    ObjectNode caps = JsonRpcCodec.nodes().objectNode();
    caps.putObject("tools").put("listChanged", true);
    caps.putObject("prompts").put("listChanged", true);
    caps.putObject("resources").put("listChanged", true);
    caps.putObject("completions");
    caps.putObject("logging");
    return caps;
  }

  /** The result of a legacy {@code initialize}. */
  public ObjectNode initializeResult(String protocolVersion) {
    ObjectNode r = JsonRpcCodec.nodes().objectNode();
    r.put("protocolVersion", protocolVersion);
    r.set("capabilities", capabilities());
    r.set("serverInfo", serverInfo());
    if (instructions != null) {
      r.put("instructions", instructions);
    }
    return r;
  }

  /** The result of a stateless {@code server/discover}. */
  public ObjectNode discoverResult() {
    ObjectNode r = JsonRpcCodec.nodes().objectNode();
    var versions = r.putArray("supportedVersions");
    ProtocolVersions.STATELESS.forEach(versions::add);
    r.set("capabilities", capabilities());
    if (instructions != null) {
      r.put("instructions", instructions);
    }
    r.put("ttlMs", 0);
    r.put("cacheScope", "private");
    return r;
  }
}
