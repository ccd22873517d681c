package dev.bastion.mcp;

import java.util.List;

/** The MCP revisions Bastion speaks to agents, per era. */
public final class ProtocolVersions {
  public static final String STATELESS_2026_07_28 = "2026-07-28";
  public static final String LEGACY_LATEST = "2025-11-25";

  /** Stateless revisions, newest first. */
  public static final List<String> STATELESS = List.of(STATELESS_2026_07_28);

  /** Session-based revisions, newest first. */
  public static final List<String> LEGACY = List.of("2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05");

  public static final String META_PROTOCOL_VERSION = "io.modelcontextprotocol/protocolVersion";
  public static final String META_CLIENT_CAPABILITIES = "io.modelcontextprotocol/clientCapabilities";
  public static final String META_CLIENT_INFO = "io.modelcontextprotocol/clientInfo";
  public static final String META_SERVER_INFO = "io.modelcontextprotocol/serverInfo";
  public static final String META_LOG_LEVEL = "io.modelcontextprotocol/logLevel";

  /** True for a revision string at or after the stateless era (revisions compare as dates). */
  public static boolean isStatelessEra(String version) {
    return version != null && version.compareTo(STATELESS_2026_07_28) >= 0;
  }

  /** The version to answer an initialize with: the client's if we speak it, else our latest. */
  public static String negotiateLegacy(String requested) {
    return LEGACY.contains(requested) ? requested : LEGACY_LATEST;
  }

  private ProtocolVersions() {}
}
