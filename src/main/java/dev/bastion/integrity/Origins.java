package dev.bastion.integrity;

import dev.bastion.audit.CanonicalJson;
import dev.bastion.config.UpstreamConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * What a server name stands for: a digest of the configured launch command (and working directory),
 * URL or builtin. Pins remember it, so a server name that is reused for another program (SH-02) is
 * not trusted with the old program's pins. Only a digest is kept: commands may carry arguments an
 * operator would not want copied into the pins file. Environment and header values (secrets) are
 * not part of it.
 */
final class Origins {
  private Origins() {}

  static Map<String, String> of(Map<String, UpstreamConfig> upstreams) {
    Map<String, String> out = new LinkedHashMap<>();
    upstreams.forEach((name, config) -> out.put(name, of(config)));
    return out;
  }

  static String of(UpstreamConfig config) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    switch (config) {
      case UpstreamConfig.Stdio s -> {
        s.command().forEach(o.putArray("command")::add);
        o.put("cwd", s.cwd() == null ? "" : s.cwd().toString());
      }
      case UpstreamConfig.Http h -> o.put("url", h.url().toString());
      case UpstreamConfig.Builtin b -> o.put("builtin", b.builtin()).put("root", b.root() == null ? "" : b.root().toString());
    }
    return "sha256:" + CanonicalJson.sha256Hex(o);
  }
}
