package dev.bastion.config;

import java.util.List;

/**
 * An agent identity. API keys are stored only as SHA-256 digests ({@code sha256:<64 hex>}).
 *
 * @param anonymous requests that present no credential at all are identified as this agent (an
 *     explicit, logged opt-in for trusted local set-ups such as conformance runs; at most one agent)
 */
public record AgentConfig(String id, List<byte[]> keyDigests, List<String> roles, boolean anonymous) {
  public AgentConfig {
    keyDigests = keyDigests.stream().map(byte[]::clone).toList();
    roles = List.copyOf(roles);
  }

  public AgentConfig(String id, List<byte[]> keyDigests, List<String> roles) {
    this(id, keyDigests, roles, false);
  }

  @Override
  public String toString() {
    return "AgentConfig[id=" + id + ", keys=" + keyDigests.size() + ", roles=" + roles + (anonymous ? ", anonymous" : "") + "]";
  }
}
