package dev.bastion.upstream;

import dev.bastion.config.UpstreamConfig;
import java.io.IOException;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Builtin servers' child JVMs, launched as soon as the configuration has been read, before the
 * gateway itself is built: a child's JVM start-up is the longest single step on the way to ready,
 * and it needs nothing from the gateway but its command line. The gateway's first start of that
 * upstream then talks to the child already running ({@link Upstreams#create(UpstreamConfig,
 * UpstreamContext, EarlyLaunch)}) and does the usual handshake and listing; nothing else changes
 * (the child only reads its stdin, and waits there until the gateway writes {@code initialize}).
 *
 * <p>Only builtin servers are launched early: they are this JVM's own code with its own class
 * path, so launching one before the configuration's checks have run runs nothing the operator did
 * not already run. A child that is never taken (the checks failed, the start failed, another
 * command line) is stopped by {@link #close()}. A launch that fails here is not reported: the
 * upstream's own start then launches it again and reports the failure as it always did.
 */
public final class EarlyLaunch implements AutoCloseable {
  /** Nothing launched early. */
  public static final EarlyLaunch NONE = new EarlyLaunch(new ConcurrentHashMap<>());

  private record Launched(UpstreamConfig.Stdio command, Process process) {}

  private final Map<String, Launched> launched;

  private EarlyLaunch(Map<String, Launched> launched) {
    this.launched = launched;
  }

  /** Launches the child of every builtin server among {@code upstreams} (other kinds are left alone). */
  public static EarlyLaunch builtins(Collection<UpstreamConfig> upstreams) {
    Map<String, Launched> out = new ConcurrentHashMap<>();
    for (UpstreamConfig u : upstreams) {
      if (u instanceof UpstreamConfig.Builtin builtin) {
        try {
          UpstreamConfig.Stdio command = Upstreams.builtinCommand(builtin);
          out.put(builtin.name(), new Launched(command, StdioUpstream.launch(command.command(), command.env(), command.cwd())));
        } catch (IOException | IllegalArgumentException e) {
          // the upstream's own start meets the same problem and reports it
        }
      }
    }
    return new EarlyLaunch(out);
  }

  /**
   * The child launched for this upstream, handed out once, when it was launched with exactly this
   * command, environment and folder; otherwise null (and a mismatching child is stopped).
   */
  Process take(UpstreamConfig.Stdio config) {
    Launched l = launched.remove(config.name());
    if (l == null) {
      return null;
    }
    UpstreamConfig.Stdio c = l.command();
    if (c.command().equals(config.command()) && c.env().equals(config.env()) && java.util.Objects.equals(c.cwd(), config.cwd())) {
      return l.process();
    }
    l.process().destroy();
    return null;
  }

  /** The process id of the child launched for this upstream and not yet taken (tests). */
  java.util.OptionalLong pid(String name) {
    Launched l = launched.get(name);
    return l == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(l.process().pid());
  }

  /** How many launched children have not been taken (tests). */
  int waiting() {
    return launched.size();
  }

  /** Stops every child that was not taken. */
  @Override
  public void close() {
    for (String name : java.util.List.copyOf(launched.keySet())) {
      Launched l = launched.remove(name);
      if (l != null) {
        l.process().destroy();
      }
    }
  }
}
