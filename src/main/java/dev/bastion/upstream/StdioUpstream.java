package dev.bastion.upstream;

import dev.bastion.config.Secret;
import dev.bastion.config.UpstreamConfig;
import dev.bastion.jsonrpc.JsonRpcCodec;
import dev.bastion.jsonrpc.JsonRpcException;
import dev.bastion.jsonrpc.JsonRpcMessage;
import dev.bastion.pipeline.Era;
import dev.bastion.pipeline.ReasonCode;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * An MCP server run as a child process, speaking newline-delimited JSON-RPC on stdin/stdout (legacy
 * era: {@code initialize} handshake).
 *
 * <p>Threading: per running process, one virtual thread reads stdout and dispatches responses and
 * progress to the waiting calls, one reads stderr into the log, and writes to stdin are serialised
 * by a lock on the caller's thread. When the process dies, every call in flight fails at once with
 * {@code UPSTREAM_UNAVAILABLE}, health turns {@code RESTARTING}, and a supervisor virtual thread
 * relaunches it with exponential backoff (200 ms doubling to 30 s, ±20 % jitter, reset once a
 * process stayed up 30 s), redoes the handshake, turns {@code READY} and tells the listener {@code
 * notifications/tools/list_changed} so the catalog is fetched again.
 */
public final class StdioUpstream implements Upstream {
  private static final System.Logger LOG = System.getLogger(StdioUpstream.class.getName());
  private static final List<String> INHERITED_VARIABLES = List.of("PATH", "HOME", "LANG");
  private static final int STDERR_LINE_BYTES = 8 * 1024;
  private static final int LOGGED_CHARS = 2000;
  private static final Duration BACKOFF_BASE = Duration.ofMillis(200);
  private static final Duration BACKOFF_MAX = Duration.ofSeconds(30);
  private static final Duration STABLE_AFTER = Duration.ofSeconds(30);
  private static final Duration KILL_GRACE = Duration.ofSeconds(2);
  /**
   * The handshake waits at least this long whatever the per-call timeout: launchers such as {@code
   * npx -y} may download and install the server before it can answer {@code initialize}.
   */
  static final Duration HANDSHAKE_MIN_TIMEOUT = Duration.ofSeconds(120);

  private final String name;
  private final List<String> command;
  private final Map<String, Secret> env;
  private final Path cwd;
  private final Duration timeout;
  private final JsonRpcCodec codec;
  private final int maxLine;
  private final ServerInitiated serverInitiated;
  private final ServerMessages serverMessages;
  private final AtomicLong ids = new AtomicLong();
  private final ReentrantLock lifecycle = new ReentrantLock();

  private Process launched; // guarded by lifecycle: an early-launched child not yet used
  private volatile Connection current;
  private volatile Health health = Health.STARTING;
  private volatile ServerDescription description;
  private volatile boolean closed;
  private int restartAttempt;
  private final java.util.concurrent.atomic.AtomicLong restarts = new java.util.concurrent.atomic.AtomicLong();

  public StdioUpstream(UpstreamConfig.Stdio config, UpstreamContext context) {
    this(config, context, null);
  }

  /**
   * @param launched a child already launched with exactly this configuration's command ({@link
   *     EarlyLaunch}): the first start talks to it instead of launching one; null to launch on start
   */
  StdioUpstream(UpstreamConfig.Stdio config, UpstreamContext context, Process launched) {
    this.launched = launched;
    this.name = Objects.requireNonNull(config.name(), "name");
    if (config.command().isEmpty()) {
      throw new IllegalArgumentException("upstream " + name + ": command must name a program to run");
    }
    this.command = config.command();
    this.env = config.env();
    this.cwd = config.cwd();
    this.timeout = config.timeout() != null ? config.timeout() : context.defaultTimeout();
    this.codec = context.responseCodec();
    this.maxLine = context.maxResponseBytes();
    this.serverInitiated = new ServerInitiated(name, context.listener(), context.serverMessages(), LOG);
    this.serverMessages = context.serverMessages();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void start() throws UpstreamException {
    lifecycle.lock();
    try {
      if (closed) {
        throw new UpstreamException(ReasonCode.SHUTTING_DOWN, "upstream " + name + " is closed");
      }
      if (current != null && !current.dead.get()) {
        return;
      }
      health = Health.STARTING;
      try {
        if (!install(launchAndHandshake())) {
          Thread.ofVirtual().name("upstream-" + name + "-supervisor").start(this::restartLoop);
        }
      } catch (UpstreamException e) {
        health = Health.FAILED;
        throw e;
      }
    } finally {
      lifecycle.unlock();
    }
  }

  @Override
  public ServerDescription description() {
    ServerDescription d = description;
    if (d == null) {
      throw new IllegalStateException("upstream " + name + " has not completed its handshake; call start() first");
    }
    return d;
  }

  @Override
  public Call call(String method, ObjectNode params, CallOptions options) throws UpstreamException {
    Connection conn = readyConnection();
    Duration t = options.timeout() != null ? options.timeout() : timeout;
    return conn.call(method, params, options, t);
  }

  @Override
  public void notify(String method, ObjectNode params) throws UpstreamException {
    readyConnection().send(new JsonRpcMessage.Notification(method, params == null ? JsonRpcCodec.nodes().objectNode() : params));
  }

  @Override
  public long restarts() {
    return restarts.get();
  }

  @Override
  public Health health() {
    return health;
  }

  @Override
  public void close() {
    Connection conn;
    lifecycle.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      health = Health.CLOSED;
      conn = current;
      if (launched != null) {
        launched.destroy(); // launched early, never started
        launched = null;
      }
    } finally {
      lifecycle.unlock();
    }
    if (conn != null) {
      conn.calls.closeAll(new UpstreamException(ReasonCode.SHUTTING_DOWN, "upstream " + name + " is shutting down"));
      conn.kill();
    }
  }

  /** The running process's id, for tests and diagnostics; empty when none runs. */
  java.util.OptionalLong pid() {
    Connection conn = current;
    return conn == null || conn.dead.get() ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(conn.process.pid());
  }

  private Connection readyConnection() throws UpstreamException {
    Connection conn = current;
    return switch (health) {
      case READY -> {
        if (conn == null || conn.dead.get()) {
          throw unavailable("its process has exited and is being restarted");
        }
        yield conn;
      }
      case STARTING -> throw unavailable("it has not been started");
      case RESTARTING -> throw unavailable("its process exited and is being restarted");
      case FAILED -> throw unavailable("it failed to start");
      case CLOSED -> throw new UpstreamException(ReasonCode.SHUTTING_DOWN, "upstream " + name + " is closed");
    };
  }

  private UpstreamException unavailable(String why) {
    return new UpstreamException(ReasonCode.UPSTREAM_UNAVAILABLE, "upstream " + name + " is unavailable: " + why);
  }

  /** The child's environment: PATH, HOME and LANG from the gateway, then the configured variables. */
  static Map<String, String> childEnvironment(Map<String, String> gatewayEnv, Map<String, Secret> configured) {
    Map<String, String> out = new java.util.TreeMap<>();
    for (String key : INHERITED_VARIABLES) {
      String value = gatewayEnv.get(key);
      if (value != null) {
        out.put(key, value);
      }
    }
    configured.forEach((k, v) -> out.put(k, v.reveal()));
    return out;
  }

  /** Launches a child: the command with {@link #childEnvironment} in {@code cwd}, its three streams piped to us. */
  static Process launch(List<String> command, Map<String, Secret> env, Path cwd) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command);
    Map<String, String> childEnv = pb.environment();
    childEnv.clear();
    childEnv.putAll(childEnvironment(System.getenv(), env));
    if (cwd != null) {
      pb.directory(cwd.toFile());
    }
    pb.redirectInput(ProcessBuilder.Redirect.PIPE).redirectOutput(ProcessBuilder.Redirect.PIPE).redirectError(ProcessBuilder.Redirect.PIPE);
    return pb.start();
  }

  private Connection launchAndHandshake() throws UpstreamException {
    Process process = launched; // the first start uses a child launched early, while it still runs
    launched = null;
    if (process == null || !process.isAlive()) {
      try {
        process = launch(command, env, cwd);
      } catch (IOException e) {
        throw new UpstreamException(
            ReasonCode.UPSTREAM_UNAVAILABLE, "upstream " + name + ": cannot launch " + Protocol.printable(command.getFirst(), 200) + ": " + e.getMessage(), e);
      }
    }
    Connection conn = new Connection(process);
    conn.startThreads();
    try {
      handshake(conn);
      return conn;
    } catch (UpstreamException e) {
      conn.calls.closeAll(e);
      conn.kill();
      throw e;
    }
  }

  private void handshake(Connection conn) throws UpstreamException {
    Duration handshakeTimeout = timeout.compareTo(HANDSHAKE_MIN_TIMEOUT) < 0 ? HANDSHAKE_MIN_TIMEOUT : timeout;
    Call init = conn.call("initialize", Protocol.initializeParams(serverMessages.clientCapabilities()), CallOptions.of(handshakeTimeout), handshakeTimeout);
    ObjectNode result = init.await();
    JsonNode version = result.get("protocolVersion");
    if (version == null || !version.isString() || !Protocol.LEGACY_VERSIONS.contains(version.asString())) {
      throw new UpstreamException(
          ReasonCode.UPSTREAM_PROTOCOL_ERROR,
          "upstream " + name + " answered initialize with protocol version "
              + (version == null ? "none" : Protocol.printable(version.toString(), 64))
              + "; expected one of " + Protocol.LEGACY_VERSIONS);
    }
    conn.send(new JsonRpcMessage.Notification("notifications/initialized", JsonRpcCodec.nodes().objectNode()));
    description =
        new ServerDescription(
            Era.LEGACY,
            version.asString(),
            result.get("serverInfo") instanceof ObjectNode si ? si : JsonRpcCodec.nodes().objectNode(),
            result.get("capabilities") instanceof ObjectNode caps ? caps : JsonRpcCodec.nodes().objectNode(),
            result.get("instructions") instanceof JsonNode ins && ins.isString() ? ins.asString() : null);
  }

  /** Called once per dead process: fail its calls now, then restart unless closed. */
  private void onDeath(Connection conn, String why) {
    conn.calls.closeAll(
        new UpstreamException(ReasonCode.UPSTREAM_UNAVAILABLE, "upstream " + name + " " + why + " while the call was in flight"));
    conn.kill();
    lifecycle.lock();
    try {
      if (closed || conn != current || conn.restartScheduled) {
        return;
      }
      conn.restartScheduled = true;
      LOG.log(Level.WARNING, "upstream " + name + " " + why + "; restarting");
      health = Health.RESTARTING;
      if (conn.uptimeNanos() >= STABLE_AFTER.toNanos()) {
        restartAttempt = 0;
      }
    } finally {
      lifecycle.unlock();
    }
    Thread.ofVirtual().name("upstream-" + name + "-supervisor").start(this::restartLoop);
  }

  private void restartLoop() {
    while (!closed) {
      long delay;
      lifecycle.lock();
      try {
        delay = backoffMillis(restartAttempt++);
      } finally {
        lifecycle.unlock();
      }
      try {
        Thread.sleep(delay); // backoff between restarts, not synchronisation
      } catch (InterruptedException e) {
        return;
      }
      if (closed) {
        return;
      }
      try {
        Connection conn = launchAndHandshake();
        boolean live;
        lifecycle.lock();
        try {
          if (closed) {
            conn.kill();
            return;
          }
          live = install(conn);
        } finally {
          lifecycle.unlock();
        }
        if (!live) {
          continue; // it died before it was installed: keep backing off
        }
        restarts.incrementAndGet();
        LOG.log(Level.INFO, "upstream " + name + " restarted");
        serverInitiated.notifyListener(Protocol.TOOLS_LIST_CHANGED, JsonRpcCodec.nodes().objectNode());
        return;
      } catch (UpstreamException e) {
        LOG.log(Level.WARNING, "upstream " + name + " failed to restart: " + e.getMessage());
      }
    }
  }

  /**
   * Makes {@code conn} the current connection (lifecycle lock held). Returns false if it already
   * died: its onDeath saw another current connection, so the caller must restart it.
   */
  private boolean install(Connection conn) {
    current = conn;
    if (conn.dead.get()) {
      conn.restartScheduled = true;
      health = Health.RESTARTING;
      return false;
    }
    health = Health.READY;
    return true;
  }

  static long backoffMillis(int attempt) {
    long base = BACKOFF_BASE.toMillis() << Math.min(attempt, 20);
    long capped = Math.min(base, BACKOFF_MAX.toMillis());
    double jitter = 0.8 + ThreadLocalRandom.current().nextDouble() * 0.4;
    return Math.max(1, (long) (capped * jitter));
  }

  /** One launched process and everything that belongs to it. */
  private final class Connection {
    final Process process;
    final OutputStream stdin;
    final CallTable calls;
    final AtomicBoolean dead = new AtomicBoolean();
    final ReentrantLock writeLock = new ReentrantLock();
    final long startedNanos = System.nanoTime();
    boolean restartScheduled; // guarded by lifecycle

    Connection(Process process) {
      this.process = process;
      this.stdin = process.getOutputStream();
      this.calls = new CallTable(name, ids, serverMessages);
    }

    long uptimeNanos() {
      return System.nanoTime() - startedNanos;
    }

    void startThreads() {
      // A pipe read blocks in native code for as long as the child is quiet, holding its carrier:
      // the two readers are platform threads so they never take the virtual threads' carriers.
      Thread.ofPlatform().daemon().name("upstream-" + name + "-stdout").start(this::readLoop);
      Thread.ofPlatform().daemon().name("upstream-" + name + "-stderr").start(this::stderrLoop);
      process.onExit().thenRun(() -> died("exited with code " + process.exitValue()));
    }

    Call call(String method, ObjectNode params, CallOptions options, Duration t) throws UpstreamException {
      PendingCall call = calls.open(method, params, options, t, this::abandoned);
      if (call.isDone()) {
        return call; // the connection was already closed: await() reports why
      }
      try {
        send(CallTable.request(call));
      } catch (UpstreamException e) {
        call.fail(e);
      }
      return call;
    }

    private void abandoned(PendingCall call, String reason) {
      ObjectNode params = JsonRpcCodec.nodes().objectNode();
      params.put("requestId", call.id());
      params.put("reason", reason);
      try {
        send(new JsonRpcMessage.Notification("notifications/cancelled", params));
      } catch (UpstreamException e) {
        LOG.log(Level.DEBUG, () -> "could not tell upstream " + name + " about cancelled call " + call.id() + ": " + e.getMessage());
      }
    }

    void send(JsonRpcMessage message) throws UpstreamException {
      byte[] bytes = codec.encode(message);
      writeLock.lock();
      try {
        if (dead.get()) {
          throw unavailable("its process has exited");
        }
        stdin.write(bytes);
        stdin.write('\n');
        stdin.flush();
      } catch (IOException e) {
        throw new UpstreamException(ReasonCode.UPSTREAM_UNAVAILABLE, "upstream " + name + ": cannot write to its stdin: " + e.getMessage(), e);
      } finally {
        writeLock.unlock();
      }
    }

    private void died(String why) {
      if (dead.compareAndSet(false, true)) {
        onDeath(this, why);
      }
    }

    private void readLoop() {
      BoundedLineReader reader = new BoundedLineReader(process.getInputStream(), maxLine);
      try {
        BoundedLineReader.Line line;
        while ((line = reader.next()) != null) {
          switch (line) {
            case BoundedLineReader.Line.Complete c -> {
              if (c.bytes().length > 0) {
                dispatch(c.bytes());
              }
            }
            case BoundedLineReader.Line.Overlong o -> overlong(o);
          }
        }
        died("closed its stdout");
      } catch (IOException e) {
        died("stdout failed: " + e.getMessage());
      } catch (RuntimeException e) {
        LOG.log(Level.ERROR, "reader for upstream " + name + " failed", e);
        died("reader failed: " + e);
      }
    }

    private void overlong(BoundedLineReader.Line.Overlong o) {
      JsonNode id = Protocol.topLevelId(codec.mapper(), o.head());
      UpstreamException tooLarge =
          new UpstreamException(
              ReasonCode.UPSTREAM_RESPONSE_TOO_LARGE,
              "upstream " + name + " sent a message of " + o.length() + " bytes; the limit is " + maxLine);
      if (!calls.failById(id, tooLarge)) {
        calls.drops().dropped("oversize", () -> "upstream " + name + " sent a line of " + o.length() + " bytes (limit " + maxLine + ") for no call in flight; dropped");
      }
    }

    private void dispatch(byte[] bytes) {
      JsonRpcMessage message;
      try {
        message = codec.decode(bytes);
      } catch (JsonRpcException e) {
        UpstreamException bad =
            new UpstreamException(ReasonCode.UPSTREAM_PROTOCOL_ERROR, "upstream " + name + " sent an invalid message: " + e.getMessage());
        if (!calls.failById(e.id(), bad)) {
          calls.drops().dropped("invalid", () -> "upstream " + name + " sent an invalid message (" + e.getMessage() + "): "
              + Protocol.printable(new String(bytes, 0, Math.min(bytes.length, 400), StandardCharsets.UTF_8), 200) + "; dropped");
        }
        return;
      }
      switch (message) {
        case JsonRpcMessage.Response r -> calls.complete(r);
        case JsonRpcMessage.Notification n -> serverInitiated.notification(n, calls);
        case JsonRpcMessage.Request r -> {
          // stdio has one pipe for all calls: a request belongs to the call its progress token names,
          // else to the only call in flight; with several calls and no token it belongs to none
          PendingCall related = calls.relatedCall(r.params());
          Thread.ofVirtual().start(() -> {
            try {
              send(serverInitiated.answer(r, related));
            } catch (UpstreamException e) {
              LOG.log(Level.DEBUG, () -> "could not answer " + r.method() + " from upstream " + name + ": " + e.getMessage());
            }
          });
        }
      }
    }

    private void stderrLoop() {
      BoundedLineReader reader = new BoundedLineReader(process.getErrorStream(), STDERR_LINE_BYTES);
      try {
        BoundedLineReader.Line line;
        while ((line = reader.next()) != null) {
          byte[] bytes =
              switch (line) {
                case BoundedLineReader.Line.Complete c -> c.bytes();
                case BoundedLineReader.Line.Overlong o -> o.head();
              };
          if (LOG.isLoggable(Level.INFO)) {
            LOG.log(Level.INFO, "[" + name + "] " + Protocol.printable(new String(bytes, StandardCharsets.UTF_8), LOGGED_CHARS));
          }
        }
      } catch (IOException e) {
        LOG.log(Level.DEBUG, () -> "stderr of upstream " + name + " closed: " + e.getMessage());
      }
    }

    /** Closes stdin, then terminates the process tree: politely, then forcibly after a grace period. */
    void kill() {
      dead.set(true);
      if (!process.isAlive()) {
        return;
      }
      List<ProcessHandle> tree = process.descendants().toList();
      try {
        stdin.close();
      } catch (IOException e) {
        // already gone
      }
      process.destroy();
      tree.forEach(ProcessHandle::destroy);
      try {
        process.onExit().get(KILL_GRACE.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
        // forced below
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      process.destroyForcibly();
      tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }
  }

}
