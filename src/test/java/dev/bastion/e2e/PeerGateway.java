package dev.bastion.e2e;

import dev.bastion.config.ConfigLoader;
import dev.bastion.config.ConfigResult;
import dev.bastion.gateway.Gateway;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A real Bastion, started in-process on ephemeral ports, in front of real npm MCP servers:
 * server-everything over stdio ({@code everything}), server-filesystem over stdio ({@code files},
 * serving {@code share/}) and server-everything over Streamable HTTP ({@code web}, a child process
 * on a free loopback port). Upstreams are launched with the pinned Node binary from node_modules,
 * never through npx.
 */
final class PeerGateway implements AutoCloseable {
  private static final Pattern LISTENING = Pattern.compile("listening on port (\\d+)");
  final Gateway gateway;
  final Path share;
  final Process httpEverything;
  final String httpEverythingUrl;

  private PeerGateway(Gateway gateway, Path share, Process httpEverything, String httpEverythingUrl) {
    this.gateway = gateway;
    this.share = share;
    this.httpEverything = httpEverything;
    this.httpEverythingUrl = httpEverythingUrl;
  }

  /** Starts the peers and a gateway with the given agents and policy YAML (indented blocks). */
  static PeerGateway start(Path dir, String agentsYaml, String policyYaml) throws Exception {
    NodePeers.requireInstalled();
    Path share = Files.createDirectories(dir.resolve("share"));
    Files.writeString(share.resolve("notes.txt"), "bastion e2e fixture\n");
    Process http = null;
    try {
      http = startHttpEverything();
      String url = awaitHttpEverything(http);
      String yaml =
          """
          listen: 127.0.0.1:0
          admin: 127.0.0.1:0
          data_dir: ./data
          limits: { call_timeout: 60s }
          upstreams:
            everything:
              command: ["%1$s", "%2$s", stdio]
            files:
              command: ["%1$s", "%3$s", "%4$s"]
            web:
              url: %5$s
          agents:
          %6$s
          policy:
          %7$s
          audit: { durability: sync }
          firewall: { elicitation_url_hosts: [modelcontextprotocol.io] }
          """
              .formatted(NodePeers.NODE, NodePeers.EVERYTHING, NodePeers.FILESYSTEM, share, url, indent(agentsYaml), indent(policyYaml));
      Files.writeString(dir.resolve("bastion.yaml"), yaml);
      ConfigResult loaded = ConfigLoader.parse(yaml, dir, System::getenv);
      if (!(loaded instanceof ConfigResult.Ok ok)) {
        throw new IllegalStateException("e2e config rejected: " + loaded + "\n" + yaml);
      }
      return new PeerGateway(Gateway.start(ok.config()), share, http, url);
    } catch (Exception | Error e) {
      if (http != null) {
        http.destroyForcibly();
      }
      throw e;
    }
  }

  String mcpUrl() {
    return gateway.mcpUrl();
  }

  /** The running stdio server-everything process Bastion launched. */
  Optional<ProcessHandle> stdioEverything() {
    return ProcessHandle.current()
        .descendants()
        .filter(ProcessHandle::isAlive)
        .filter(
            h -> {
              List<String> args = List.of(h.info().arguments().orElse(new String[0]));
              return args.contains(NodePeers.EVERYTHING.toString()) && args.contains("stdio");
            })
        .findFirst();
  }

  static String sha256(String key) {
    try {
      return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** server-everything in Streamable HTTP mode on a free loopback port, as a child process. */
  static Process startHttpEverything() throws IOException {
    int port = NodePeers.freePort();
    ProcessBuilder pb = new ProcessBuilder(NodePeers.NODE.toString(), NodePeers.EVERYTHING.toString(), "streamableHttp");
    pb.environment().put("PORT", Integer.toString(port));
    pb.redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE);
    return pb.start();
  }

  /** Waits for server-everything's "listening on port N" line and returns its MCP URL. */
  static String awaitHttpEverything(Process p) throws Exception {
    CompletableFuture<String> url =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                StringBuilder seen = new StringBuilder();
                for (String line; (line = r.readLine()) != null; ) {
                  seen.append(line).append('\n');
                  var m = LISTENING.matcher(line);
                  if (m.find()) {
                    // keep draining its output so that it never blocks on a full pipe
                    Thread.ofVirtual().start(() -> drain(r));
                    return "http://127.0.0.1:" + m.group(1) + "/mcp";
                  }
                }
                throw new IllegalStateException("server-everything (streamableHttp) exited before listening:\n" + seen);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
    return url.get(60, TimeUnit.SECONDS);
  }

  private static void drain(BufferedReader r) {
    try {
      while (r.readLine() != null) {
        // discard
      }
    } catch (IOException ignored) {
      // the process ended
    }
  }

  private static String indent(String block) {
    return block.strip().lines().map(l -> "  " + l).reduce((a, b) -> a + "\n" + b).orElse("");
  }

  @Override
  public void close() {
    gateway.close();
    httpEverything.destroy();
    try {
      if (!httpEverything.waitFor(10, TimeUnit.SECONDS)) {
        httpEverything.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      httpEverything.destroyForcibly();
    }
  }

}
