package dev.bastion.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** One upstream MCP server, by transport. */
public sealed interface UpstreamConfig {

  String name();

  /** Per-call timeout; falls back to {@link LimitsConfig#callTimeout()}. */
  Duration timeout();

  /**
   * A server launched as a child process speaking MCP over stdin/stdout. Its environment holds only
   * {@code env} (plus PATH, HOME and LANG, which a launcher needs), never the gateway's own variables.
   */
  record Stdio(String name, List<String> command, Map<String, Secret> env, Path cwd, Duration timeout) implements UpstreamConfig {
    public Stdio {
      command = List.copyOf(command);
      env = Map.copyOf(env);
    }
  }

  /** A server reached over Streamable HTTP; {@code headers} carry the credentials Bastion injects. */
  record Http(String name, java.net.URI url, Map<String, Secret> headers, Duration timeout) implements UpstreamConfig {
    public Http {
      headers = Map.copyOf(headers);
    }
  }

  /** A server bundled with Bastion (e.g. {@code demo}), run as a stdio child of the same runtime. */
  record Builtin(String name, String builtin, Path root, Duration timeout) implements UpstreamConfig {}
}
