package dev.bastion.pipeline;

/** The two MCP protocol eras Bastion speaks, on both sides. */
public enum Era {
  /** 2025-11-25 and earlier: initialize handshake, {@code Mcp-Session-Id}, GET stream. */
  LEGACY,
  /** 2026-07-28: stateless, per-request {@code _meta}, {@code server/discover}. */
  STATELESS
}
