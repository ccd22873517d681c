package dev.bastion.pipeline;

import java.util.Objects;
import tools.jackson.databind.node.ObjectNode;

/**
 * What an exchange is aimed at, once routed: a tool, resource or prompt of one upstream server, or
 * the gateway itself (initialize, lists, ping).
 *
 * @param server the upstream's configured name; empty for the gateway
 * @param exposedName the name the agent used (server-prefixed)
 * @param upstreamName the name the upstream knows it by
 * @param definition the upstream's definition of the tool/prompt/resource (hostile content), or null
 */
public record Target(Kind kind, String server, String exposedName, String upstreamName, ObjectNode definition) {

  public enum Kind {
    GATEWAY,
    TOOL,
    RESOURCE,
    PROMPT,
    COMPLETION
  }

  public static final Target GATEWAY = new Target(Kind.GATEWAY, "", "", "", null);

  public Target {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(server, "server");
    Objects.requireNonNull(exposedName, "exposedName");
    Objects.requireNonNull(upstreamName, "upstreamName");
  }
}
