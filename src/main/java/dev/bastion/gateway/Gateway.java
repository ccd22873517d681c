package dev.bastion.gateway;

import dev.bastion.admin.AdminServer;
import dev.bastion.admin.Readiness;
import dev.bastion.config.BastionConfig;
import dev.bastion.config.ConfigResult;
import dev.bastion.config.UpstreamConfig;
import dev.bastion.federation.Catalog;
import dev.bastion.federation.ChangeFeed;
import dev.bastion.federation.DispatchStage;
import dev.bastion.federation.RouteStage;
import dev.bastion.integrity.Integrity;
import dev.bastion.jsonrpc.JsonRpcCodec;
import dev.bastion.jsonrpc.JsonRpcLimits;
import dev.bastion.jsonrpc.JsonRpcMessage;
import dev.bastion.mcp.CredentialCheck;
import dev.bastion.mcp.McpEndpoint;
import dev.bastion.mcp.McpRuntime;
import dev.bastion.mcp.OriginGuard;
import dev.bastion.mcp.ServerIdentity;
import dev.bastion.mcp.Session;
import dev.bastion.mcp.SessionRegistry;
import dev.bastion.mcp.SessionStage;
import dev.bastion.telemetry.GatewayMetrics;
import dev.bastion.telemetry.Phase;
import dev.bastion.telemetry.Telemetry;
import dev.bastion.upstream.EarlyLaunch;
import dev.bastion.upstream.Upstream;
import dev.bastion.upstream.UpstreamContext;
import dev.bastion.upstream.UpstreamException;
import dev.bastion.upstream.Upstreams;
import io.helidon.webserver.WebServer;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;
import tools.jackson.databind.node.ObjectNode;

/**
 * The composition root: turns a validated configuration into a running gateway (upstreams, catalog,
 * pipeline, listeners) and swaps in a new configuration atomically on reload. Requests already in
 * flight finish with the runtime they started with.
 */
public final class Gateway implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Gateway.class.getName());
  public static final String VERSION = Optional.ofNullable(Gateway.class.getPackage().getImplementationVersion()).orElse("dev");

  private final SessionRegistry sessions;
  private final dev.bastion.flow.FlowSessions flowSessions;
  private final Map<String, Upstream> upstreams = new ConcurrentHashMap<>();
  private final Map<String, UpstreamConfig> upstreamConfigs = new ConcurrentHashMap<>();
  private final Set<String> refreshing = ConcurrentHashMap.newKeySet();
  private final Set<String> staleServers = ConcurrentHashMap.newKeySet();
  private final AtomicReference<Live> live = new AtomicReference<>();
  /** The newest configuration's firewall for server-initiated messages (set before its upstreams start). */
  private volatile dev.bastion.upstream.ServerMessages serverMessages;
  private final McpEndpoint endpoint;
  private final ChangeFeed changes = new ChangeFeed();
  private final ScheduledExecutorService housekeeping;
  private final Telemetry telemetry;
  private WebServer agentServer;
  private WebServer adminServer;

  /** Everything derived from one configuration. */
  private record Live(BastionConfig config, Catalog catalog, McpRuntime runtime, Resources resources, Integrity integrity) {
    dev.bastion.identity.ProtectedResourceMetadata metadata() {
      return dev.bastion.identity.ProtectedResourceMetadata.fromConfig(config);
    }
  }

  private Gateway(BastionConfig config, Telemetry.Exporters exporters) {
    this.telemetry = Telemetry.start(config.telemetry(), VERSION, config.listen(), exporters);
    this.sessions = new SessionRegistry(config.limits().maxSessions(), config.limits().sessionIdleTimeout());
    this.flowSessions = new dev.bastion.flow.FlowSessions(config.flow().maxSessions(), config.flow().sessionIdleTimeout());
    // agents' answers to relayed elicitations that match nothing pending are audited like upstream drops
    this.sessions.onStrayAnswer((agent, what) -> new CurrentServerMessages().onDropped("agent:" + agent, "unknown_id", what));
    this.endpoint = new McpEndpoint(() -> live.get().runtime(), sessions);
    this.housekeeping = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("bastion-housekeeping").factory());
  }

  /** Starts a gateway: upstreams, catalog, pipeline, agent listener and admin listener. */
  public static Gateway start(BastionConfig config) throws IOException {
    return start(config, Telemetry.Exporters.DEFAULT);
  }

  /** Starts a gateway whose telemetry goes to the given exporters (tests, embedding). */
  public static Gateway start(BastionConfig config, Telemetry.Exporters exporters) throws IOException {
    return start(config, exporters, null, EarlyLaunch.NONE);
  }

  /**
   * Starts a gateway from a configuration that is bound but not yet checked: its upstreams start
   * first, then {@code checks} run (for {@code ./bastion demo}: the builtin child's JVM start-up
   * overlaps the policy compile on a second core). When the checks fail, everything started is
   * closed and {@link Rejected} carries their errors; nothing has listened for agents by then.
   */
  public static Gateway start(BastionConfig config, java.util.function.Supplier<ConfigResult> checks) throws IOException {
    return start(config, Telemetry.Exporters.DEFAULT, checks, EarlyLaunch.NONE);
  }

  /**
   * As {@link #start(BastionConfig, java.util.function.Supplier)}, with builtin servers' children
   * already launched ({@code early}): their first start uses them. {@code early} stays the caller's
   * to close (children not taken are stopped then).
   */
  public static Gateway start(BastionConfig config, java.util.function.Supplier<ConfigResult> checks, EarlyLaunch early) throws IOException {
    return start(config, Telemetry.Exporters.DEFAULT, checks, early);
  }

  /** A configuration that failed the checks handed to {@link #start(BastionConfig, java.util.function.Supplier)}. */
  public static final class Rejected extends RuntimeException {
    private final transient ConfigResult.Invalid invalid;

    Rejected(ConfigResult.Invalid invalid) {
      super("the configuration is invalid (" + invalid.errors().size() + " errors)");
      this.invalid = invalid;
    }

    public ConfigResult.Invalid invalid() {
      return invalid;
    }
  }

  private static Gateway start(BastionConfig config, Telemetry.Exporters exporters, java.util.function.Supplier<ConfigResult> checks, EarlyLaunch early)
      throws IOException {
    Files.createDirectories(config.dataDir());
    Gateway g = new Gateway(config, exporters);
    if (exporters == Telemetry.Exporters.DEFAULT) {
      g.telemetry.installLogFormat();
    }
    try {
      // The agent listener's server is built (Helidon's configuration, protocols, routing) on another
      // thread while the configuration is applied; it listens only once that is done. Its routes
      // reach the pipeline through the endpoint and the live configuration, never before start().
      java.util.concurrent.FutureTask<WebServer> agentServer = new java.util.concurrent.FutureTask<>(() ->
          WebServer.builder()
              .host(config.listen().host())
              .port(config.listen().port())
              .maxPayloadSize(config.limits().maxBodyBytes() + 1024L)
              .routing(r -> {
                g.endpoint.register(r);
                new dev.bastion.identity.MetadataEndpoint(() -> g.live.get().metadata()).register(r, "/mcp");
              })
              .build());
      Thread.ofVirtual().name("agent-listener-build").start(agentServer);
      g.apply(config, checks, early);
      g.agentServer = Joined.join(agentServer).start();
      g.telemetry.metrics().observe(g.new Observed());
      AdminServer.Metrics metrics =
          g.telemetry.prometheusEnabled() ? new AdminServer.Metrics(g.telemetry.prometheusContentType(), g.telemetry::writePrometheus) : null;
      g.adminServer = AdminServer.start(config.admin().host(), config.admin().port(), new AdminServer(g::readiness, metrics));
      g.housekeeping.scheduleWithFixedDelay(g.sessions::expireIdle, 1, 1, TimeUnit.MINUTES);
      g.housekeeping.scheduleWithFixedDelay(g::recheckPins, 1, 1, TimeUnit.SECONDS);
      return g;
    } catch (RuntimeException | IOException e) {
      g.close();
      throw e;
    }
  }

  public int port() {
    return agentServer.port();
  }

  public int adminPort() {
    return adminServer.port();
  }

  public String mcpUrl() {
    return "http://" + live.get().config().listen().hostForUrl() + ":" + port() + "/mcp";
  }

  public String adminUrl() {
    return "http://" + live.get().config().admin().hostForUrl() + ":" + adminPort();
  }

  public BastionConfig config() {
    return live.get().config();
  }

  /** The gateway's telemetry: metrics other packages report to, flushing for tests. */
  public Telemetry telemetry() {
    return telemetry;
  }

  /**
   * Applies a new configuration. It first goes through the same {@link ConfigChecks} as start-up: a
   * configuration that fails them is rejected whole ({@link ConfigResult.Invalid}) and the running
   * one keeps serving untouched. Upstreams whose settings did not change keep running; new ones are
   * started and listed before the new pipeline is swapped in one step; then every connected agent
   * is told its lists changed (legacy GET streams and stateless {@code subscriptions/listen}).
   * Listener addresses and the data directory need a restart; a change to them is logged and
   * otherwise ignored.
   */
  public synchronized ConfigResult reload(BastionConfig next) throws IOException {
    if (ConfigChecks.check(next) instanceof ConfigResult.Invalid bad) {
      LOG.warning("the new configuration was rejected (" + bad.errors().size() + " errors); the running one stays");
      return bad;
    }
    BastionConfig current = live.get().config();
    if (!next.listen().equals(current.listen()) || !next.admin().equals(current.admin()) || !next.dataDir().equals(current.dataDir())) {
      LOG.warning("listen, admin and data_dir changes take effect only after a restart; keeping the current ones");
    }
    if (!next.telemetry().equals(current.telemetry())) {
      LOG.warning("telemetry changes take effect only after a restart; keeping the current exporters and log format");
    }
    apply(next, null, EarlyLaunch.NONE);
    announceListChanged();
    LOG.info("configuration reloaded: " + next.upstreams().size() + " upstreams, " + next.policy().rules().size() + " policy rules");
    return new ConfigResult.Ok(next);
  }

  /** @param checks on start-up only: checks to run once the upstreams are starting (null: already checked) */
  private synchronized void apply(BastionConfig config, java.util.function.Supplier<ConfigResult> checks, EarlyLaunch early) throws IOException {
    JsonRpcCodec codec =
        new JsonRpcCodec(
            new JsonRpcLimits(config.limits().maxBodyBytes(), config.limits().maxJsonDepth(), config.limits().maxStringLength(), JsonRpcLimits.DEFAULT.maxNumberLength()));
    Live previous = live.get();
    UpstreamContext context = new UpstreamContext(codec, config.limits().callTimeout(), config.limits().maxResponseBytes(),
        telemetry.upstreamNotifications(this::onUpstreamNotification), telemetry.serverMessages(new CurrentServerMessages(), name -> Optional.ofNullable(upstreamConfigs.get(name))));
    // On start-up nothing is running yet, so the upstreams (a child process, a connection) start
    // right away on virtual threads while the policy compiles and the audit store opens; they are
    // listed once the catalog exists. Until then a server-initiated request is refused (as it is
    // during any upstream's handshake before the firewall is set).
    Map<String, java.util.concurrent.Future<?>> starting = previous == null ? startEarly(config, context, early) : Map.of();
    if (checks != null && checks.get() instanceof ConfigResult.Invalid bad) {
      throw new Rejected(bad); // start() closes what started
    }
    // Everything that can fail on a bad configuration is built before anything running is touched.
    Resources resources = Resources.build(config, sessions, flowSessions, previous == null ? null : previous.resources());
    serverMessages = resources.serverMessages();
    // Tool-definition integrity: the catalog withholds tools whose definitions are not trusted.
    Integrity integrity = new Integrity(config);
    List<String> order = List.copyOf(config.upstreams().keySet());
    // Every screening also hands the definitions to flow control (tool descriptions are content too).
    dev.bastion.federation.ToolScreen screen = parts -> {
      resources.observeDefinitions(parts);
      return integrity.withheld(parts);
    };
    Catalog catalog = previous == null ? new Catalog(order, screen) : previous.catalog().withServers(order, screen);

    // Upstreams: keep unchanged ones, stop removed or changed ones, start new ones (in parallel).
    List<String> toStart = new ArrayList<>();
    for (String name : List.copyOf(upstreams.keySet())) {
      if (!config.upstreams().containsKey(name) || !config.upstreams().get(name).equals(upstreamConfigs.get(name))) {
        Upstream old = upstreams.remove(name);
        upstreamConfigs.remove(name);
        old.close();
      }
    }
    for (Map.Entry<String, UpstreamConfig> e : config.upstreams().entrySet()) {
      if (!upstreams.containsKey(e.getKey())) {
        upstreams.put(e.getKey(), Upstreams.create(e.getValue(), context));
        upstreamConfigs.put(e.getKey(), e.getValue());
        toStart.add(e.getKey());
      }
    }
    Live next = new Live(config, catalog, runtime(config, codec, catalog, resources), resources, integrity);
    toStart.addAll(starting.keySet());
    startAll(toStart, config, catalog, starting);
    live.set(next);
    if (previous != null && previous.resources() != next.resources()) {
      previous.resources().closeReplaced(next.resources());
    }
  }

  private McpRuntime runtime(BastionConfig config, JsonRpcCodec codec, Catalog catalog, Resources resources) {
    ServerIdentity identity = new ServerIdentity("bastion", VERSION, "Bastion security gateway: tools of several servers, named <server>__<tool>.");
    DispatchStage dispatch =
        new DispatchStage(catalog, name -> Optional.ofNullable(upstreams.get(name)), sessions, identity, resources.discovery(), server -> timeoutOf(config, server), changes);
    var pipeline =
        PipelineAssembly.assemble(
            new PipelineAssembly.Parts(
                telemetry.accessLog(),
                telemetry.serverSpan(),
                telemetry.phase(Phase.AUDIT, resources.record()),
                telemetry.phase(Phase.IDENTIFY, resources.identify()),
                new SessionStage(sessions),
                resources.limit(),
                new RouteStage(catalog),
                telemetry.phase(Phase.INSPECTION, resources.inspectRequest()),
                resources.flow(),
                telemetry.phase(Phase.POLICY, resources.decide()),
                telemetry.phase(Phase.RESPONSE_INSPECTION, resources.inspectResponse()),
                telemetry.upstreamCalls(dispatch, name -> Optional.ofNullable(upstreamConfigs.get(name)))));
    CredentialCheck credentials = resources.credentialCheck();
    return new McpRuntime(pipeline, codec, new OriginGuard(config.listen(), config.security()), credentials, identity,
        dev.bastion.identity.ProtectedResourceMetadata.fromConfig(config).metadataUrl());
  }

  /** The per-call timeout of one upstream: its own {@code timeout}, else {@code limits.call_timeout}. */
  private static Duration timeoutOf(BastionConfig config, String server) {
    UpstreamConfig u = config.upstreams().get(server);
    return u != null && u.timeout() != null ? u.timeout() : config.limits().callTimeout();
  }

  /** Creates and starts every configured upstream on its own virtual thread (first start only). */
  private Map<String, java.util.concurrent.Future<?>> startEarly(BastionConfig config, UpstreamContext context, EarlyLaunch early) {
    Map<String, java.util.concurrent.Future<?>> starting = new LinkedHashMap<>();
    for (Map.Entry<String, UpstreamConfig> e : config.upstreams().entrySet()) {
      Upstream u = Upstreams.create(e.getValue(), context, early);
      upstreams.put(e.getKey(), u);
      upstreamConfigs.put(e.getKey(), e.getValue());
      java.util.concurrent.FutureTask<Void> start = new java.util.concurrent.FutureTask<>(() -> {
        u.start();
        return null;
      });
      Thread.ofVirtual().name("start-" + e.getKey()).start(start);
      starting.put(e.getKey(), start);
    }
    return starting;
  }

  private void startAll(List<String> names, BastionConfig config, Catalog catalog, Map<String, java.util.concurrent.Future<?>> started) {
    if (names.isEmpty()) {
      return;
    }
    try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
      for (String name : names) {
        executor.submit(() -> {
          startOne(name, config, catalog, started.get(name));
          return null;
        });
      }
    }
  }

  /** Starts one upstream (or waits for its early start) and lists it; a failed start is retried. */
  private void startOne(String name, BastionConfig config, Catalog catalog, java.util.concurrent.Future<?> started) throws Exception {
    Upstream u = upstreams.get(name);
    if (u == null) {
      return;
    }
    try {
      if (started == null) {
        u.start();
      } else {
        try {
          started.get();
        } catch (java.util.concurrent.ExecutionException e) {
          throw e.getCause() instanceof Exception x ? x : e;
        }
      }
      catalog.refresh(name, u, timeoutOf(config, name));
      LOG.info("upstream " + name + " ready (" + u.description().era() + ", " + u.description().protocolVersion() + ")");
    } catch (UpstreamException e) {
      LOG.warning("upstream " + name + " failed to start: " + e.getMessage() + "; retrying in " + START_RETRY_FIRST.toMillis() + " ms");
      scheduleStartRetry(name, u, START_RETRY_FIRST);
    }
  }

  private static final Duration START_RETRY_FIRST = Duration.ofSeconds(1);
  private static final Duration START_RETRY_MAX = Duration.ofSeconds(30);

  /**
   * An upstream that failed to start (a server that was not up yet, a launcher that failed once) is
   * tried again with backoff, 1 s doubling to 30 s, for as long as it is configured. Once it is up
   * its part of the catalog is listed and agents are told their lists changed.
   */
  private void scheduleStartRetry(String name, Upstream u, Duration delay) {
    try {
      housekeeping.schedule(() -> Thread.ofVirtual().name("start-retry-" + name).start(() -> retryStart(name, u, delay)), delay.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // the gateway is closing
    }
  }

  private void retryStart(String name, Upstream u, Duration delay) {
    if (upstreams.get(name) != u) {
      return; // removed or replaced by a reload, or the gateway closed
    }
    try {
      u.start();
      Live l = live.get();
      if (l != null && upstreams.get(name) == u) {
        l.catalog().refresh(name, u, timeoutOf(l.config(), name));
        LOG.info("upstream " + name + " ready after a retry (" + u.description().era() + ", " + u.description().protocolVersion() + ")");
        announceListChanged();
      }
    } catch (UpstreamException e) {
      Duration next = delay.multipliedBy(2).compareTo(START_RETRY_MAX) > 0 ? START_RETRY_MAX : delay.multipliedBy(2);
      LOG.warning("upstream " + name + " failed to start: " + e.getMessage() + "; retrying in " + next.toMillis() + " ms");
      scheduleStartRetry(name, u, next);
    }
  }

  /**
   * An upstream said its lists changed (or it restarted): refresh its part and tell the agents. One
   * refresh runs per server at a time; a notification that arrives during it triggers one more, so
   * a change is never lost to a refresh that had already read the old lists.
   */
  /** Server-initiated messages go to the current configuration's firewall (upstreams outlive reloads). */
  private final class CurrentServerMessages implements dev.bastion.upstream.ServerMessages {
    private dev.bastion.upstream.ServerMessages current() {
      dev.bastion.upstream.ServerMessages s = serverMessages;
      return s == null ? dev.bastion.upstream.ServerMessages.REFUSE : s;
    }

    @Override
    public dev.bastion.jsonrpc.JsonRpcMessage.Response onRequest(String server, dev.bastion.jsonrpc.JsonRpcMessage.Request request, String during) {
      return current().onRequest(server, request, during);
    }

    @Override
    public dev.bastion.jsonrpc.JsonRpcMessage.Response onRequest(String server, dev.bastion.jsonrpc.JsonRpcMessage.Request request, String during,
        dev.bastion.upstream.ClientRelay relay, java.time.Duration timeout) {
      return current().onRequest(server, request, during, relay, timeout);
    }

    @Override
    public void onDropped(String server, String kind, String what) {
      current().onDropped(server, kind, what);
    }

    // every configuration's firewall relays the same requests; upstreams initialize before the first is built
    @Override
    public ObjectNode clientCapabilities() {
      return dev.bastion.inspect.ServerMessageFirewall.declaredCapabilities();
    }
  }

  private void onUpstreamNotification(String server, String method, ObjectNode params) {
    if ("notifications/elicitation/complete".equals(method)) {
      // the end of a URL-mode elicitation: to the one session it was relayed to, if any
      sessions.elicitationComplete(server, params);
      return;
    }
    if (!method.endsWith("/list_changed")) {
      return;
    }
    staleServers.add(server);
    if (!refreshing.add(server)) {
      return;
    }
    Thread.ofVirtual().name("refresh-" + server).start(() -> refreshLoop(server));
  }

  private void refreshLoop(String server) {
    try {
      while (staleServers.remove(server)) {
        Upstream u = upstreams.get(server);
        Live l = live.get();
        if (u != null && l != null) {
          l.catalog().refresh(server, u, timeoutOf(l.config(), server));
          announceListChanged();
        }
      }
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "refreshing the catalog of " + server + " failed", e);
    } finally {
      refreshing.remove(server);
      if (staleServers.contains(server) && refreshing.add(server)) {
        Thread.ofVirtual().name("refresh-" + server).start(() -> refreshLoop(server));
      }
    }
  }

  /** Tells every connected agent that the federated lists changed: legacy GET streams and stateless listeners. */
  private void announceListChanged() {
    listsChanged(List.of("tools", "prompts", "resources"));
  }

  private void listsChanged(List<String> kinds) {
    for (String kind : kinds) {
      JsonRpcMessage.Notification n = new JsonRpcMessage.Notification("notifications/" + kind + "/list_changed", JsonRpcCodec.nodes().objectNode());
      for (Session s : sessions.all()) {
        s.push(n);
      }
      changes.publish(kind);
    }
  }

  /**
   * Picks up approvals ({@code bastion tools approve} rewrites the pins file): when the file changed,
   * the catalog is judged again, and agents are told if the set of quarantined tools changed.
   */
  private void recheckPins() {
    try {
      Live l = live.get();
      if (l != null && l.integrity().pinsChanged() && l.catalog().rescreen()) {
        listsChanged(List.of("tools"));
      }
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "re-reading the tool pins failed", e);
    }
  }

  List<Readiness> readiness() {
    Live l = live.get();
    List<Readiness> checks = new ArrayList<>();
    checks.add(readiness("config", new Readiness.Status.Ready(l == null ? "" : l.config().upstreams().size() + " upstreams")));
    Map<String, Upstream> snapshot = new LinkedHashMap<>(upstreams);
    for (Map.Entry<String, Upstream> e : snapshot.entrySet()) {
      Upstream.Health h = e.getValue().health();
      checks.add(
          readiness(
              "upstream:" + e.getKey(),
              h == Upstream.Health.READY ? new Readiness.Status.Ready("ready") : new Readiness.Status.NotReady(h.name().toLowerCase(java.util.Locale.ROOT))));
    }
    if (l != null) {
      checks.addAll(l.resources().readiness());
    }
    return checks;
  }

  /** What the gauges read: sessions, audit backlog, upstream health and restarts. */
  private final class Observed implements GatewayMetrics.Observed {
    @Override
    public long activeSessions() {
      return sessions.size();
    }

    @Override
    public long auditBacklog() {
      Live l = live.get();
      return l == null ? 0 : l.resources().auditBacklog();
    }

    @Override
    public Map<String, String> upstreamHealth() {
      Map<String, String> out = new LinkedHashMap<>();
      upstreams.forEach((name, u) -> out.put(name, u.health().name().toLowerCase(java.util.Locale.ROOT)));
      return out;
    }

    @Override
    public Map<String, Long> upstreamRestarts() {
      Map<String, Long> out = new LinkedHashMap<>();
      upstreams.forEach((name, u) -> out.put(name, u.restarts()));
      return out;
    }

    @Override
    public Map<String, Long> quarantinedTools() {
      Live l = live.get();
      return l == null ? Map.of() : l.catalog().withheldPerServer();
    }
  }

  static Readiness readiness(String name, Readiness.Status status) {
    return new Readiness() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public Status status() {
        return status;
      }
    };
  }

  @Override
  public void close() {
    endpoint.stop();
    changes.close();
    housekeeping.shutdownNow();
    if (agentServer != null) {
      agentServer.stop();
    }
    sessions.closeAll();
    for (Upstream u : upstreams.values()) {
      try {
        u.close();
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "closing upstream " + u.name() + " failed", e);
      }
    }
    upstreams.clear();
    Live l = live.get();
    if (l != null) {
      l.resources().close();
    }
    if (adminServer != null) {
      adminServer.stop();
    }
    telemetry.close();
  }
}
