package dev.bastion.config;

import java.util.List;

/**
 * An agent identity. API keys are stored only as SHA-256 digests ({@code sha256:<64 hex>}).
 */
public record AgentConfig(String id, List<byte[]> keyDigests, List<String> roles) {
  public AgentConfig {
    keyDigests = keyDigests.stream().map(byte[]::clone).toList();
    roles = List.copyOf(roles);
  }
}
