package dev.bastion.upstream;

import dev.bastion.config.UpstreamConfig;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** Builds the {@link Upstream} for a configured server. The result is not started yet. */
public final class Upstreams {
  /** Main class of the bundled demo server, run as a stdio child of the same runtime. */
  static final String DEMO_MAIN_CLASS = "dev.bastion.demo.DemoServer";

  private Upstreams() {}

  public static Upstream create(UpstreamConfig config, UpstreamContext context) {
    return create(config, context, EarlyLaunch.NONE);
  }

  /** As {@link #create(UpstreamConfig, UpstreamContext)}; a builtin server's first start uses its child from {@code early} when one was launched. */
  public static Upstream create(UpstreamConfig config, UpstreamContext context, EarlyLaunch early) {
    return switch (config) {
      case UpstreamConfig.Stdio stdio -> new StdioUpstream(stdio, context);
      case UpstreamConfig.Http http -> new HttpUpstream(http, context);
      case UpstreamConfig.Builtin builtin -> {
        UpstreamConfig.Stdio command = builtinCommand(builtin);
        yield new StdioUpstream(command, context, early.take(command));
      }
    };
  }

  /** A builtin server as a stdio child: this JVM's java binary and classpath, the builtin's main class. */
  static UpstreamConfig.Stdio builtinCommand(UpstreamConfig.Builtin builtin) {
    String mainClass =
        switch (builtin.builtin()) {
          case "demo" -> DEMO_MAIN_CLASS;
          default ->
              throw new IllegalArgumentException(
                  "upstream " + builtin.name() + ": unknown builtin \"" + builtin.builtin() + "\"; expected one of [demo]");
        };
    String java = ProcessHandle.current().info().command().orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java").toString());
    List<String> command = new ArrayList<>(List.of(java));
    command.addAll(builtinJvmOptions(ManagementFactory.getRuntimeMXBean().getInputArguments()));
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
    if (builtin.root() != null) {
      command.add("--root");
      command.add(builtin.root().toAbsolutePath().toString());
    }
    return new UpstreamConfig.Stdio(builtin.name(), command, Map.of(), null, builtin.timeout());
  }

  /**
   * JVM options of a builtin child: a small tool server that answers a few calls, so the serial
   * collector, a bounded heap and only the quick (C1) compiler — its start-up sits on the gateway's
   * path to ready, and full tiered compilation there costs more CPU than the server ever uses. When
   * this JVM runs with an AOT cache ({@code -XX:AOTCache=<name>.aot}, the {@code ./bastion}
   * launcher), the child maps its own cache beside it ({@code <name>-builtin.aot}, which the launcher
   * trains with a scripted stdio session) if that file exists. When this JVM runs with an AppCDS
   * archive instead ({@code -XX:SharedArchiveFile=<name>.jsa}), the child gets its own archive beside
   * it ({@code <name>-builtin.jsa}), created on its first clean exit.
   */
  static List<String> builtinJvmOptions(List<String> parentOptions) {
    return builtinJvmOptions(parentOptions, Files::isRegularFile);
  }

  static List<String> builtinJvmOptions(List<String> parentOptions, Predicate<Path> exists) {
    List<String> options = new ArrayList<>(List.of("-XX:+UseSerialGC", "-Xmx128m", "-XX:TieredStopAtLevel=1"));
    String prefix = "-XX:SharedArchiveFile=";
    String aot = "-XX:AOTCache=";
    for (String o : parentOptions) {
      if (o.startsWith(prefix) && o.endsWith(".jsa") && o.length() > prefix.length() + 4) {
        String archive = o.substring(prefix.length(), o.length() - ".jsa".length()) + "-builtin.jsa";
        options.addAll(List.of("-XX:+AutoCreateSharedArchive", prefix + archive, "-Xlog:cds=off", "-Xlog:cds+dynamic=off"));
      } else if (o.startsWith(aot) && o.endsWith(".aot") && o.length() > aot.length() + 4) {
        String cache = o.substring(aot.length(), o.length() - ".aot".length()) + "-builtin.aot";
        if (exists.test(Path.of(cache))) {
          options.addAll(List.of(aot + cache, "-Xlog:aot=off", "-Xlog:cds=off"));
        }
      }
    }
    return options;
  }
}
