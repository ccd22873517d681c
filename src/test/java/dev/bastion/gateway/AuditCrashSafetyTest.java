package dev.bastion.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bastion.audit.AuditKeys;
import dev.bastion.audit.AuditRecord;
import dev.bastion.audit.AuditStore;
import dev.bastion.audit.AuditStores;
import dev.bastion.audit.AuditVerifier;
import dev.bastion.audit.VerifyResult;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 4's crash harness: load runs through a real gateway process, which is killed with SIGKILL
 * at a random moment; after each kill the gateway is restarted on the same data directory. At the
 * end the audit chain must verify and every request whose response the client received must have
 * its record ({@code durability: sync} promises the record is on disk before the response leaves).
 */
class AuditCrashSafetyTest {
  private static final String KEY = "crash-test-key";
  private static final int TRIALS = 4;

  @TempDir Path dir;

  @Test
  void everyAnsweredRequestHasItsRecordAndTheChainVerifiesAfterRepeatedSigkills() throws Exception {
    Path config = dir.resolve("bastion.yaml");
    Files.writeString(
        config,
        """
        listen: 127.0.0.1:0
        admin: 127.0.0.1:0
        data_dir: ./data
        upstreams:
          demo: { builtin: demo, root: ./sandbox }
        agents:
          crash: { keys: ["sha256:%s"], roles: [tester] }
        policy:
          default: deny
          rules:
            - { id: testers, effect: allow, when: '"tester" in agent.roles' }
        audit: { durability: sync }
        """
            .formatted(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(KEY.getBytes(StandardCharsets.UTF_8)))));
    Random random = new Random(4_2026_11_22L);
    Set<String> answered = ConcurrentHashMap.newKeySet();
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    for (int trial = 0; trial < TRIALS; trial++) {
      Process gateway = start(config);
      String url = awaitUrl(gateway);
      AtomicBoolean stop = new AtomicBoolean();
      // The kill lands at a random point of the load, counted in answered requests (not in time,
      // so a slow machine moves the moment but never empties the trial).
      Trigger trigger = new Trigger(5 + random.nextInt(60));
      List<Thread> clients = new ArrayList<>();
      for (int c = 0; c < 6; c++) {
        String prefix = "t" + trial + "c" + c + "r";
        clients.add(Thread.ofVirtual().start(() -> load(http, url, prefix, stop, answered, trigger)));
      }
      trigger.reached.get(120, TimeUnit.SECONDS);
      List<ProcessHandle> children = gateway.descendants().toList();
      gateway.destroyForcibly(); // SIGKILL
      gateway.waitFor(10, TimeUnit.SECONDS);
      children.forEach(ProcessHandle::destroyForcibly);
      stop.set(true);
      for (Thread t : clients) {
        t.join(Duration.ofSeconds(10));
      }
    }
    // A final clean start proves the gateway restarts on a log cut by SIGKILL.
    Process last = start(config);
    awaitUrl(last);
    List<ProcessHandle> children = last.descendants().toList();
    last.destroy();
    last.waitFor(20, TimeUnit.SECONDS);
    children.forEach(ProcessHandle::destroyForcibly);

    Path data = dir.resolve("data");
    Set<String> recorded = new java.util.HashSet<>();
    try (AuditStore store = AuditStores.openReadOnly(null, data)) {
      VerifyResult result = AuditVerifier.verify(store, AuditKeys.loadOrCreate(data).publicKey());
      assertThat(result).isInstanceOf(VerifyResult.Verified.class);
      long from = 1;
      while (true) {
        List<AuditRecord> batch = store.read(from, 1000);
        if (batch.isEmpty()) {
          break;
        }
        for (AuditRecord r : batch) {
          if (r.args() != null && r.args().contains("\"message\"")) {
            recorded.add(r.args().replaceAll(".*\"message\":\"([^\"]+)\".*", "$1"));
          }
          from = r.seq() + 1;
        }
      }
    }
    assertThat(answered).as("requests answered across the trials").hasSizeGreaterThan(10);
    assertThat(recorded).containsAll(answered);
  }

  /** Completes once this trial's clients have had {@code threshold} answers. */
  private static final class Trigger {
    final java.util.concurrent.CompletableFuture<Void> reached = new java.util.concurrent.CompletableFuture<>();
    private final java.util.concurrent.atomic.AtomicInteger answers = new java.util.concurrent.atomic.AtomicInteger();
    private final int threshold;

    Trigger(int threshold) {
      this.threshold = threshold;
    }

    void answered() {
      if (answers.incrementAndGet() >= threshold) {
        reached.complete(null);
      }
    }
  }

  private static void load(HttpClient http, String url, String prefix, AtomicBoolean stop, Set<String> answered, Trigger trigger) {
    for (int i = 0; !stop.get() && i < 100_000; i++) {
      String message = prefix + i;
      String body =
          "{\"jsonrpc\":\"2.0\",\"id\":" + i + ",\"method\":\"tools/call\",\"params\":{\"name\":\"demo__echo\",\"arguments\":{\"message\":\"" + message
              + "\"},\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\",\"io.modelcontextprotocol/clientCapabilities\":{}}}}";
      HttpRequest request =
          HttpRequest.newBuilder(URI.create(url))
              .timeout(Duration.ofSeconds(5))
              .header("Authorization", "Bearer " + KEY)
              .header("Content-Type", "application/json")
              .header("Accept", "application/json, text/event-stream")
              .header("MCP-Protocol-Version", "2026-07-28")
              .header("Mcp-Method", "tools/call")
              .header("Mcp-Name", "demo__echo")
              .POST(HttpRequest.BodyPublishers.ofString(body))
              .build();
      try {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200 && response.body().contains("\"result\"") && response.body().contains(message)) {
          answered.add(message);
          trigger.answered();
        }
      } catch (java.io.IOException e) {
        return; // the gateway was killed
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private Process start(Path config) throws java.io.IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    return new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "dev.bastion.cli.Main", "serve", "--config", config.toString())
        .redirectError(dir.resolve("gateway-stderr.log").toFile())
        .start();
  }

  private static String awaitUrl(Process gateway) throws java.io.IOException {
    BufferedReader out = new BufferedReader(new InputStreamReader(gateway.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null) {
      if (line.startsWith("bastion: mcp endpoint ")) {
        String url = line.substring("bastion: mcp endpoint ".length()).trim();
        Thread.ofVirtual().start(() -> drain(out));
        return url;
      }
    }
    throw new AssertionError("the gateway exited before it was ready");
  }

  private static void drain(BufferedReader out) {
    try {
      while (out.readLine() != null) {
        // keep the pipe from filling
      }
    } catch (java.io.IOException ignored) {
      // process ended
    }
  }
}
