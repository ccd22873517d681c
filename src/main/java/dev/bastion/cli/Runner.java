package dev.bastion.cli;

import dev.bastion.config.BastionConfig;
import dev.bastion.config.ConfigError;
import dev.bastion.config.ConfigLoader;
import dev.bastion.gateway.ConfigChecks;
import dev.bastion.config.ConfigResult;
import dev.bastion.config.ConfigWatcher;
import dev.bastion.config.UpstreamConfig;
import dev.bastion.gateway.Gateway;
import dev.bastion.upstream.EarlyLaunch;
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
    return serve(file, out, err, gateway -> afterStart.run(), false, null);
  }

  /** As {@link #serve(Path, PrintStream, PrintStream, Runnable)}, with builtin servers' children the caller already launched. */
  static int serve(Path file, PrintStream out, PrintStream err, EarlyLaunch launched, Runnable afterStart) {
    return serve(file, out, err, gateway -> afterStart.run(), false, launched);
  }

  /**
   * Runs the gateway until the process is told to stop, or — with {@code stopAfterStart} — until
   * {@code afterStart} returns (the launcher's training run: start, one scripted session, clean exit).
   *
   * @param launched builtin servers' children launched by the caller before the config was loaded
   *     (null: launched here once it is); the caller closes it, stopping any child not used
   */
  static int serve(Path file, PrintStream out, PrintStream err, Consumer<Gateway> afterStart, boolean stopAfterStart, EarlyLaunch launched) {
    BastionConfig config;
    switch (ConfigLoader.load(file)) {
      case ConfigResult.Ok ok -> config = ok.config();
      case ConfigResult.Invalid bad -> {
        printErrors(err, file, bad.errors());
        return ExitCodes.INVALID;
      }
    }
    // The policy compiles once the warm-up has made CEL ready. When every upstream is a builtin
    // server (our own code, e.g. the demo's), the gateway starts them before it runs these checks,
    // so that a child's JVM start-up overlaps the policy compile; other upstreams (commands,
    // remote servers) are started only for a configuration that passed them.
    java.util.function.Supplier<ConfigResult> checks = () -> {
      StartupWarmup.awaitPolicy();
      return ConfigChecks.check(config);
    };
    boolean checkFirst = !config.upstreams().values().stream().allMatch(u -> u instanceof UpstreamConfig.Builtin);
    Gateway gateway;
    // A builtin child's JVM start-up is the longest step to ready: launch it before anything else
    // (it only waits on its stdin until the gateway's upstream start talks to it).
    if (checkFirst && launched != null) {
      launched.close(); // nothing starts before the checks of a configuration with other upstreams
    }
    try (EarlyLaunch early = checkFirst ? EarlyLaunch.NONE : launched != null ? launched : EarlyLaunch.builtins(config.upstreams().values())) {
      // while the warm-up thread sets up Helidon, this one initialises the firewall's detectors
      StartupWarmup.meanwhile(dev.bastion.inspect.Inspector::prepare);
      if (checkFirst && checks.get() instanceof ConfigResult.Invalid bad) {
        printErrors(err, file, bad.errors());
        return ExitCodes.INVALID;
      }
      StartupWarmup.awaitHelidon();
      gateway = checkFirst ? Gateway.start(config) : Gateway.start(config, checks, early);
    } catch (Gateway.Rejected bad) {
      printErrors(err, file, bad.invalid().errors());
      return ExitCodes.INVALID;
    } catch (java.io.IOException | RuntimeException e) {
      Throwable cause = e;
      while (cause.getCause() != null && !(cause instanceof BindException)) {
        cause = cause.getCause();
      }
      err.println("bastion: could not start: " + (cause instanceof BindException ? "address in use (" + config.listen() + " or " + config.admin() + ")" : cause.getMessage()));
      return ExitCodes.ENVIRONMENT;
    }
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
    if (stopAfterStart) {
      // the training run watches the file too, as a real start does before it is ready, so that the
      // watcher's classes are in the start-up cache
      out.println("bastion: mcp endpoint " + gateway.mcpUrl());
      try {
        afterStart.accept(gateway);
      } finally {
        watcher.close();
        gateway.close();
      }
      return ExitCodes.OK;
    }
    CountDownLatch stopped = new CountDownLatch(1);
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
