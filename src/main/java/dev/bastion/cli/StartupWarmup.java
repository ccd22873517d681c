package dev.bastion.cli;

import dev.bastion.config.PolicyConfig;
import dev.bastion.policy.PolicyCompiler;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * First-time set-up of two libraries that the gateway's start-up otherwise does in sequence on the
 * main thread, begun on a background thread at the first line of {@code main} for {@code serve} and
 * {@code demo}, so that on a machine with more than one core it overlaps picocli and loading the
 * YAML: Helidon (its global service registry, mappers and routing classes; the gateway needs it
 * first), then CEL (compiling a one-rule policy builds its environment and initialises the parser,
 * checker and runtime). Nothing it
 * builds is kept; what stays warm is class initialisation and the libraries' own singletons, which
 * are the same whichever thread made them. On one core it only moves the same work to another thread.
 *
 * <p>The main thread waits for each part before it first uses that library itself ({@link
 * #awaitHelidon()} before the gateway starts, {@link #awaitPolicy()} before the configured policy
 * compiles), so no class is ever being initialised by both threads at once: libraries whose static
 * initialisers refer to each other cannot deadlock across the two threads. A failure here is only
 * logged at fine level: the main thread then meets the same problem itself and reports it.
 */
final class StartupWarmup {
  private static final Logger LOG = Logger.getLogger(StartupWarmup.class.getName());
  /** A bound on each wait, so that a wedged warm-up can never hold the start-up (it only costs the overlap). */
  private static final long MAX_WAIT_SECONDS = 60;

  private static volatile StartupWarmup current;

  private final CountDownLatch helidon = new CountDownLatch(1);
  private final CountDownLatch alongside = new CountDownLatch(1);
  private final CountDownLatch policy = new CountDownLatch(1);

  /** Starts the warm-up once per process (later calls do nothing). */
  static synchronized void begin() {
    if (current != null) {
      return;
    }
    StartupWarmup w = new StartupWarmup();
    current = w;
    Thread.ofPlatform().daemon().name("bastion-warm-up").start(w::run);
  }

  /** Whether {@code args} start a gateway (the commands the warm-up is for). */
  static boolean startsGateway(String... args) {
    return args.length > 0
        && (args[0].equals("serve") || args[0].equals("demo"))
        && java.util.Arrays.stream(args).noneMatch(a -> a.equals("-h") || a.equals("--help") || a.equals("-V") || a.equals("--version"));
  }

  /** Waits until Helidon is warm (returns at once when no warm-up was begun). */
  static void awaitHelidon() {
    StartupWarmup w = current;
    if (w != null) {
      await(w.helidon);
    }
  }

  /** Waits until the policy compiler is warm, i.e. the whole warm-up is over (at once when none was begun). */
  static void awaitPolicy() {
    StartupWarmup w = current;
    if (w != null) {
      w.alongside.countDown(); // never wait for a part the caller itself has not run
      await(w.policy);
    }
  }

  /**
   * Runs {@code part} on the calling (main) thread while the warm-up thread sets up Helidon, which
   * the main thread would otherwise only wait for: set-up of other libraries that is needed later
   * anyway (the firewall's detectors). The warm-up begins CEL only after {@code part} is over, so
   * that no two libraries initialise their classes on both threads at once (CEL and the detectors
   * share RE2J). A failing part is only logged: whoever needs it later meets the failure itself.
   */
  static void meanwhile(Runnable part) {
    StartupWarmup w = current;
    try {
      attempt("start-up part", part);
    } finally {
      if (w != null) {
        w.alongside.countDown();
      }
    }
  }

  private void run() {
    try {
      attempt("Helidon", StartupWarmup::helidon);
      helidon.countDown();
      await(alongside);
      attempt("CEL", () -> policyCompiler());
    } finally {
      helidon.countDown();
      policy.countDown();
    }
  }

  /** Compiles a policy like the demo's: one rule over roles and the tool's server. */
  static dev.bastion.policy.PolicyCompilation policyCompiler() {
    return PolicyCompiler.compile(
        new PolicyConfig(
            PolicyConfig.Effect.DENY,
            List.of(new PolicyConfig.Rule("warm-up", PolicyConfig.Effect.ALLOW, "\"r\" in agent.roles && tool.server == \"s\"", PolicyConfig.Mode.ENFORCE, null, 1))));
  }

  static void helidon() {
    io.helidon.service.registry.GlobalServiceRegistry.registry();
    io.helidon.common.parameters.Parameters.empty("warm-up");
    io.helidon.webserver.http.HttpRouting.builder().build();
  }

  /** Whether a begun warm-up is over (tests). */
  static boolean over() {
    StartupWarmup w = current;
    return w != null && w.policy.getCount() == 0;
  }

  private static void attempt(String what, Runnable part) {
    try {
      part.run();
    } catch (RuntimeException | LinkageError e) {
      LOG.log(Level.FINE, "start-up warm-up of " + what + " failed (the gateway meets it itself)", e);
    }
  }

  private static void await(CountDownLatch latch) {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          latch.await(MAX_WAIT_SECONDS, TimeUnit.SECONDS);
          return;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private StartupWarmup() {}
}
