package dev.bastion.demo;

import java.time.Duration;
import java.util.Optional;
import tools.jackson.databind.node.ObjectNode;

/** {@code echo} for smoke tests and {@code slow_task} for progress and cancellation tests. */
final class DiagnosticTools {

  private DiagnosticTools() {}

  static ToolOutcome echo(ObjectNode args, ToolContext context) {
    return ToolOutcome.done(args.get("message").asString());
  }

  /**
   * Runs {@code steps} steps spread over {@code seconds}. Reports progress 0 at the start and after
   * every step; waits on the request's cancellation rather than sleeping, so a cancel stops it at
   * once.
   */
  static ToolOutcome slowTask(ObjectNode args, ToolContext context) throws InterruptedException {
    double seconds = args.get("seconds").asDouble();
    int steps = args.has("steps") ? args.get("steps").asInt() : 5;
    Duration perStep = Duration.ofNanos((long) (seconds * 1_000_000_000L / steps));
    context.progress(0, steps, "started");
    for (int step = 1; step <= steps; step++) {
      Optional<Cancellation.Reason> cancelled = context.cancellation().await(perStep);
      if (cancelled.isPresent()) {
        return ToolOutcome.failed(
            "slow_task was cancelled after " + (step - 1) + " of " + steps + " steps ("
                + cancelled.get().name().toLowerCase(java.util.Locale.ROOT) + ")");
      }
      context.progress(step, steps, "step " + step + " of " + steps);
    }
    return ToolOutcome.done("slow_task finished " + steps + " steps in " + seconds + " seconds");
  }
}
