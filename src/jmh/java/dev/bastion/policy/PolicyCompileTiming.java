package dev.bastion.policy;

import dev.bastion.config.ConfigLoader;
import dev.bastion.config.ConfigResult;
import dev.bastion.config.PolicyConfig;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;

/**
 * Start-up cost of policy compilation, in CPU time of the compiling thread (meaningful on a loaded
 * machine, unlike wall time): the first compile in a fresh JVM (CEL's class initialisation and
 * environment set-up included, as at gateway start-up), then the mean of warm recompiles (hot
 * reload). The config is loaded before timing starts. Then, for the same policy, the first
 * discovery-time {@code exposure} call (which may build the partial-evaluation programs).
 *
 * <p>Run: {@code java -cp target/test-classes:target/classes:$(cat target/jmh.classpath)
 * dev.bastion.policy.PolicyCompileTiming bench/configs/full.yaml [warm-repeats]}
 */
public final class PolicyCompileTiming {
  private PolicyCompileTiming() {}

  public static void main(String[] args) {
    Path file = Path.of(args[0]);
    int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    PolicyConfig policy = switch (ConfigLoader.load(file, name -> name.equals("BENCH_MOCK_URL") ? "http://127.0.0.1:1/mcp"
        : name.startsWith("BENCH_LISTEN") || name.startsWith("BENCH_ADMIN") ? "127.0.0.1:0" : "/tmp/bastion-compile-timing")) {
      case ConfigResult.Ok ok -> ok.config().policy();
      case ConfigResult.Invalid bad -> throw new IllegalStateException(bad.errors().toString());
    };
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long c0 = threads.getCurrentThreadCpuTime();
    CompiledPolicy first = (CompiledPolicy) PolicyCompiler.compile(policy);
    long c1 = threads.getCurrentThreadCpuTime();
    long warm = 0;
    for (int i = 0; i < repeats; i++) {
      long a = threads.getCurrentThreadCpuTime();
      PolicyCompiler.compile(policy);
      warm += threads.getCurrentThreadCpuTime() - a;
    }
    PolicyInput probe = new PolicyInput(dev.bastion.pipeline.Principal.agent("probe", java.util.List.of(), "api_key"), "tools/call",
        new dev.bastion.pipeline.Target(dev.bastion.pipeline.Target.Kind.TOOL, "mock", "mock__echo", "echo", null), null, null, null, null);
    long e0 = threads.getCurrentThreadCpuTime();
    first.exposure(probe);
    long e1 = threads.getCurrentThreadCpuTime();
    System.out.printf("%s: %d rules; first compile %.1f ms CPU; warm compile %.1f ms CPU (mean of %d); first exposure %.1f ms CPU%n",
        file, policy.rules().size(), (c1 - c0) / 1e6, warm / 1e6 / Math.max(1, repeats), repeats, (e1 - e0) / 1e6);
  }
}
