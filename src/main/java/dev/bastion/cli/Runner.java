package dev.bastion.cli;

import dev.bastion.config.BastionConfig;
import dev.bastion.config.ConfigError;
import dev.bastion.config.ConfigLoader;
import dev.bastion.gateway.ConfigChecks;
import dev.bastion.config.ConfigResult;
import dev.bastion.config.ConfigWatcher;
import dev.bastion.gateway.Gateway;
import java.io.PrintStream;
import java.net.BindException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

/** Runs a gateway from a config file until the process is told to stop; shared by serve and demo. */
final class Runner {

  static void printErrors(PrintStream err, Path file, List<ConfigError> errors) {
    err.println("bastion: " + file + " is invalid (" + errors.size() + (errors.size() == 1 ? " error" : " errors") + "):");
    for (ConfigError e : errors) {
      err.println("  " + e);
    }
  }

  static int serve(Path file, PrintStream out, PrintStream err, Runnable afterStart) {
    return serve(file, out, err, gateway -> afterStart.run(), false);
  }

  /**
   * Runs the gateway until the process is told to stop, or — with {@code stopAfterStart} — until
   * {@code afterStart} returns (the launcher's training run: start, one scripted session, clean exit).
   */
  static int serve(Path file, PrintStream out, PrintStream err, Consumer<Gateway> afterStart, boolean stopAfterStart) {
    BastionConfig config;
    // ConfigChecks.load, in two steps: the warm-up (main) makes CEL ready while the YAML loads
    ConfigResult checked = switch (ConfigLoader.load(file)) {
      case ConfigResult.Ok ok -> {
        StartupWarmup.awaitPolicy();
        yield ConfigChecks.check(ok.config());
      }
      case ConfigResult.Invalid bad -> bad;
    };
    switch (checked) {
      case ConfigResult.Ok ok -> config = ok.config();
      case ConfigResult.Invalid bad -> {
        printErrors(err, file, bad.errors());
        return ExitCodes.INVALID;
      }
    }
    StartupWarmup.awaitAll();
    Gateway gateway;
    try {
      gateway = Gateway.start(config);
    } catch (java.io.IOException | RuntimeException e) {
      Throwable cause = e;
      while (cause.getCause() != null && !(cause instanceof BindException)) {
        cause = cause.getCause();
      }
      err.println("bastion: could not start: " + (cause instanceof BindException ? "address in use (" + config.listen() + " or " + config.admin() + ")" : cause.getMessage()));
      return ExitCodes.ENVIRONMENT;
    }
    if (stopAfterStart) {
      out.println("bastion: mcp endpoint " + gateway.mcpUrl());
      try {
        afterStart.accept(gateway);
      } finally {
        gateway.close();
      }
      return ExitCodes.OK;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    ConfigWatcher watcher;
    try {
      watcher =
        ConfigWatcher.watch(
            file,
            loaded -> {
              if (ConfigChecks.check(loaded) instanceof ConfigResult.Invalid bad) {
                err.println("bastion: the changed configuration was rejected; the running one stays.");
                printErrors(err, file, bad.errors());
                return;
              }
              BastionConfig next = loaded;
              try {
                gateway.reload(next);
              } catch (java.io.IOException | RuntimeException e) {
                err.println("bastion: reload failed, keeping the running configuration: " + e.getMessage());
              }
            },
            errors -> {
              err.println("bastion: the changed configuration was rejected; the running one stays.");
              printErrors(err, file, errors);
            });
    } catch (java.io.IOException e) {
      err.println("bastion: cannot watch " + file + " for changes: " + e.getMessage());
      gateway.close();
      return ExitCodes.ENVIRONMENT;
    }
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  watcher.close();
                  gateway.close();
                  stopped.countDown();
                },
                "bastion-shutdown"));
    out.println("bastion: mcp endpoint " + gateway.mcpUrl());
    out.println("bastion: admin " + gateway.adminUrl());
    afterStart.accept(gateway);
    out.flush();
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return ExitCodes.OK;
  }

  private Runner() {}
}
