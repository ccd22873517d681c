package dev.bastion.pipeline;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Who is acting: the authenticated agent, its roles, and (when a token says so) the user the agent
 * acts for. {@link #UNIDENTIFIED} until the identify stage has run.
 */
public record Principal(String agentId, List<String> roles, String userId, String authMethod, Map<String, Object> claims) {

  public static final Principal UNIDENTIFIED = new Principal("", List.of(), null, "none", Map.of());

  public Principal {
    Objects.requireNonNull(agentId, "agentId");
    roles = List.copyOf(roles);
    claims = Map.copyOf(claims);
  }

  public static Principal agent(String agentId, List<String> roles, String authMethod) {
    return new Principal(agentId, roles, null, authMethod, Map.of());
  }

  public boolean identified() {
    return !agentId.isEmpty();
  }
}
