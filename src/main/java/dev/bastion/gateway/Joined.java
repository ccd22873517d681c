package dev.bastion.gateway;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/** Start-up work done on another thread, taken back as if it had been done on this one. */
final class Joined {
  private Joined() {}

  /**
   * The task's result, or the exception or error it threw, rethrown unchanged (a checked one
   * wrapped in {@link IllegalStateException}). Waits through interrupts and restores the flag.
   */
  static <T> T join(FutureTask<T> task) {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return task.get();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } catch (ExecutionException e) {
      switch (e.getCause()) {
        case RuntimeException r -> throw r;
        case Error r -> throw r;
        default -> throw new IllegalStateException(e.getCause());
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
