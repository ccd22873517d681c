package dev.bastion.upstream;

import dev.bastion.config.UpstreamConfig;
import dev.bastion.jsonrpc.JsonRpcCodec;
import dev.bastion.jsonrpc.JsonRpcLimits;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;
import tools.jackson.databind.node.ObjectNode;

/**
 * CPU time and allocation per forwarded call of the HTTP upstream client alone: {@code callers}
 * virtual threads call {@code tools/call echo} on a Streamable HTTP server (run the benchmark's
 * {@code MockUpstream} in its own process, on its own core) for {@code seconds}, after a warm-up
 * of the same length. CPU is the process's threads from /proc without the JIT compiler threads;
 * allocation is the JVM's total allocated bytes. Both divided by the calls made.
 *
 * <pre>
 * taskset -c 1 java -cp ... dev.bastion.bench.MockUpstream http 127.0.0.1 18501 &amp;
 * taskset -c 0 java -XX:+UseSerialGC -cp "target/test-classes:target/classes:$(cat target/jmh.classpath)" \
 *   dev.bastion.upstream.UpstreamCallCpuTime http://127.0.0.1:18501/mcp 32 30
 * </pre>
 */
public final class UpstreamCallCpuTime {
  private UpstreamCallCpuTime() {}

  public static void main(String[] args) throws Exception {
    URI url = URI.create(args[0]);
    int callers = Integer.parseInt(args[1]);
    long seconds = Long.parseLong(args[2]);
    JsonRpcCodec codec = new JsonRpcCodec(JsonRpcLimits.DEFAULT);
    UpstreamConfig.Http config = new UpstreamConfig.Http("mock", url, Map.of(), Duration.ofSeconds(30));
    try (HttpUpstream upstream = new HttpUpstream(config, new UpstreamContext(codec, Duration.ofSeconds(30), 4 << 20, (s, m, p) -> {}))) {
      upstream.start();
      run(upstream, callers, seconds);
      com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
      long cpu0 = cpuTicksWithoutJit();
      long alloc0 = threads.getTotalThreadAllocatedBytes();
      long calls = run(upstream, callers, seconds);
      long cpu = cpuTicksWithoutJit() - cpu0;
      long alloc = threads.getTotalThreadAllocatedBytes() - alloc0;
      System.out.printf("%d callers: %d calls in %d s (%.0f/s), CPU without JIT %.1f us/call, allocated %.1f KB/call%n",
          callers, calls, seconds, calls / (double) seconds, cpu * 10_000.0 / calls, alloc / 1024.0 / calls);
    }
  }

  private static long run(Upstream upstream, int callers, long seconds) throws InterruptedException {
    AtomicBoolean stop = new AtomicBoolean();
    LongAdder calls = new LongAdder();
    LongAdder failures = new LongAdder();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < callers; i++) {
      int caller = i;
      threads.add(Thread.ofVirtual().start(() -> {
        for (long n = 0; !stop.get(); n++) {
          ObjectNode params = JsonRpcCodec.nodes().objectNode();
          params.put("name", "echo");
          params.putObject("arguments").put("message", "hello from caller " + caller + " call " + n);
          try {
            upstream.call("tools/call", params, Upstream.CallOptions.of(Duration.ofSeconds(30))).await();
            calls.increment();
          } catch (UpstreamException e) {
            failures.increment();
          }
        }
      }));
    }
    Thread.sleep(seconds * 1000);
    stop.set(true);
    for (Thread t : threads) {
      t.join();
    }
    if (failures.sum() > 0) {
      System.out.println(failures.sum() + " calls failed");
    }
    return calls.sum();
  }

  /** User + system clock ticks (10 ms) of every thread of this process except the JIT compilers. */
  private static long cpuTicksWithoutJit() throws IOException {
    long total = 0;
    try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path task : tasks.toList()) {
        try {
          if (Files.readString(task.resolve("comm")).contains("Compiler")) {
            continue;
          }
          String stat = Files.readString(task.resolve("stat"));
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          total += Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
        } catch (IOException e) {
          // the thread ended meanwhile
        }
      }
    }
    return total;
  }
}
