package dev.bastion.inspect;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * {@link DetectorBench}'s inputs measured in <em>thread CPU time</em> per call instead of wall-clock
 * time: on a shared, overloaded machine the wall-clock JMH scores mostly measure time spent
 * descheduled, while CPU time per call stays close to what one core does. Not a JMH benchmark (JMH
 * has no CPU-time mode); it warms up for 6 s of CPU time (like DetectorBench's 3 x 2 s), then runs
 * the same call for the given seconds.
 *
 * <pre>
 * java -cp "target/test-classes:target/classes:$(cat target/jmh.classpath)" \
 *   dev.bastion.inspect.DetectorCpuTime 65536 clean 10
 * </pre>
 */
public final class DetectorCpuTime {
  private DetectorCpuTime() {}

  public static void main(String[] args) {
    DetectorBench bench = new DetectorBench();
    bench.size = Integer.parseInt(args[0]);
    bench.kind = args[1];
    long seconds = args.length > 2 ? Long.parseLong(args[2]) : 10;
    bench.setUp();
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    // Warm-up as long as DetectorBench's (3 x 2 s), counted in this thread's CPU time: C2 compiles
    // the scan loop only after some seconds of it, later still when the compiler threads wait for a
    // core, and a wall-clock warm-up on a busy machine ends before that.
    double[] w = run(bench, threads, WARM_UP_SECONDS, true);
    double[] r = run(bench, threads, seconds, false);
    System.out.printf("%s %d bytes: %d calls, CPU %.1f us/call = %.1f MB/s per core (wall %.1f us/call; warm-up %.1f MB/s)%n",
        bench.kind, bench.size, (long) r[0], r[1], bench.size / r[1], r[2], bench.size / w[1]);
  }

  private static final long WARM_UP_SECONDS = 6;

  /** Calls, CPU µs per call, wall µs per call, for {@code seconds} of CPU time or of wall-clock time. */
  private static double[] run(DetectorBench bench, ThreadMXBean threads, long seconds, boolean cpuSeconds) {
    long wall0 = System.nanoTime();
    long cpu0 = threads.getCurrentThreadCpuTime();
    long end = (cpuSeconds ? cpu0 : wall0) + seconds * 1_000_000_000L;
    long calls = 0;
    int sink = 0;
    while ((cpuSeconds ? threads.getCurrentThreadCpuTime() : System.nanoTime()) < end) {
      sink += bench.inspect().hits().size();
      calls++;
    }
    long cpu = threads.getCurrentThreadCpuTime() - cpu0;
    long wall = System.nanoTime() - wall0;
    if (sink < 0) {
      System.out.println(sink);
    }
    return new double[] {calls, cpu / 1e3 / calls, wall / 1e3 / calls};
  }
}
