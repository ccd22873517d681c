package dev.bastion.federation;

import java.util.List;
import java.util.Map;

/**
 * Decides which listed tools the catalog withholds (hidden from tools/list, calls refused with
 * {@code tool_quarantined}). The catalog asks again after every change to any server's list, with
 * every server's part, because whether a tool is trusted can depend on the others (shadowing,
 * look-alike names). The integrity checks ({@code dev.bastion.integrity}) are the implementation.
 */
@FunctionalInterface
public interface ToolScreen {

  /** Exposed tool name ({@code server__tool}) → why it is withheld, for every withheld tool. */
  Map<String, String> withheld(List<Catalog.ServerPart> parts);

  /** Withholds nothing. */
  ToolScreen NONE = parts -> Map.of();
}
