package dev.bastion.gateway;

import dev.bastion.admin.AdminServer;
import dev.bastion.admin.Readiness;
import dev.bastion.config.BastionConfig;
import dev.bastion.config.UpstreamConfig;
import dev.bastion.federation.Catalog;
import dev.bastion.federation.ChangeFeed;
import dev.bastion.federation.DispatchStage;
import dev.bastion.federation.RouteStage;
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
import dev.bastion.upstream.Upstream;
import dev.bastion.upstream.UpstreamContext;
import dev.bastion.upstream.UpstreamException;
import dev.bastion.upstream.Upstreams;
import io.helidon.webserver.WebServer;
import java.io.IOException;
import java.nio.file.Files;
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
  private final Map<String, Upstream> upstreams = new ConcurrentHashMap<>();
  private final Map<String, UpstreamConfig> upstreamConfigs = new ConcurrentHashMap<>();
  private final Set<String> refreshing = ConcurrentHashMap.newKeySet();
  private final AtomicReference<Live> live = new AtomicReference<>();
  private final McpEndpoint endpoint;
  private final ChangeFeed changes = new ChangeFeed();
  private final ScheduledExecutorService housekeeping;
  private WebServer agentServer;
  private WebServer adminServer;

  /** Everything derived from one configuration. */
  private record Live(BastionConfig config, Catalog catalog, McpRuntime runtime, Resources resources) {}

  private Gateway(BastionConfig config) {
    this.sessions = new SessionRegistry(config.limits().maxSessions(), config.limits().sessionIdleTimeout());
    this.endpoint = new McpEndpoint(() -> live.get().runtime(), sessions);
    this.housekeeping = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("bastion-housekeeping").factory());
  }

  /** Starts a gateway: upstreams, catalog, pipeline, agent listener and admin listener. */
  public static Gateway start(BastionConfig config) throws IOException {
    Files.createDirectories(config.dataDir());
    Gateway g = new Gateway(config);
    try {
      g.apply(config, true);
      g.agentServer =
          WebServer.builder()
              .host(config.listen().host())
              .port(config.listen().port())
              .maxPayloadSize(config.limits().maxBodyBytes() + 1024L)
              .routing(r -> g.endpoint.register(r))
              .build()
              .start();
      g.adminServer = AdminServer.start(config.admin().host(), config.admin().port(), new AdminServer(g::readiness));
      g.housekeeping.scheduleWithFixedDelay(g.sessions::expireIdle, 1, 1, TimeUnit.MINUTES);
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

  /**
   * Applies a new, already validated configuration. Upstreams whose settings did not change keep
   * running; the pipeline is rebuilt and swapped in one step. Listener addresses and the data
   * directory need a restart; a change to them is logged and otherwise ignored.
   */
  public synchronized void reload(BastionConfig next) throws IOException {
    BastionConfig current = live.get().config();
    if (!next.listen().equals(current.listen()) || !next.admin().equals(current.admin()) || !next.dataDir().equals(current.dataDir())) {
      LOG.warning("listen, admin and data_dir changes take effect only after a restart; keeping the current ones");
    }
    apply(next, false);
    LOG.info("configuration reloaded: " + next.upstreams().size() + " upstreams, " + next.policy().rules().size() + " policy rules");
  }

  private synchronized void apply(BastionConfig config, boolean first) throws IOException {
    JsonRpcCodec codec =
        new JsonRpcCodec(
            new JsonRpcLimits(config.limits().maxBodyBytes(), config.limits().maxJsonDepth(), config.limits().maxStringLength(), JsonRpcLimits.DEFAULT.maxNumberLength()));
    Live previous = live.get();
    Catalog catalog = previous == null ? new Catalog(List.copyOf(config.upstreams().keySet())) : previous.catalog().withServers(List.copyOf(config.upstreams().keySet()));

    // Upstreams: keep unchanged ones, stop removed or changed ones, start new ones (in parallel).
    UpstreamContext context = new UpstreamContext(codec, config.limits().callTimeout(), config.limits().maxResponseBytes(), this::onUpstreamNotification);
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
    Resources resources = Resources.build(config, sessions, previous == null ? null : previous.resources());
    Live next = new Live(config, catalog, runtime(config, codec, catalog, resources), resources);
    live.set(next);
    if (previous != null && previous.resources() != next.resources()) {
      previous.resources().closeReplaced(next.resources());
    }
    startAll(toStart, config);
  }

  private McpRuntime runtime(BastionConfig config, JsonRpcCodec codec, Catalog catalog, Resources resources) {
    ServerIdentity identity = new ServerIdentity("bastion", VERSION, "Bastion security gateway: tools of several servers, named <server>__<tool>.");
    DispatchStage dispatch =
        new DispatchStage(catalog, name -> Optional.ofNullable(upstreams.get(name)), sessions, identity, resources.discovery(), config.limits().callTimeout(), changes);
    var pipeline =
        PipelineAssembly.assemble(
            new PipelineAssembly.Parts(
                new AccessLogStage(codec),
                resources.record(),
                resources.identify(),
                new SessionStage(sessions),
                new RouteStage(catalog),
                resources.inspectRequest(),
                resources.decide(),
                resources.inspectResponse(),
                dispatch));
    CredentialCheck credentials = resources.credentialCheck();
    return new McpRuntime(pipeline, codec, new OriginGuard(config.listen(), config.security()), credentials, identity, null);
  }

  private void startAll(List<String> names, BastionConfig config) {
    if (names.isEmpty()) {
      return;
    }
    try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
      for (String name : names) {
        executor.submit(() -> startOne(name, config));
      }
    }
  }

  private void startOne(String name, BastionConfig config) {
    Upstream u = upstreams.get(name);
    if (u == null) {
      return;
    }
    try {
      u.start();
      live.get().catalog().refresh(name, u, config.limits().callTimeout());
      LOG.info("upstream " + name + " ready (" + u.description().era() + ", " + u.description().protocolVersion() + ")");
    } catch (UpstreamException e) {
      LOG.warning("upstream " + name + " failed to start: " + e.getMessage());
    }
  }

  /** An upstream said its lists changed (or it restarted): refresh its part and tell the agents. */
  private void onUpstreamNotification(String server, String method, ObjectNode params) {
    if (!method.endsWith("/list_changed")) {
      return;
    }
    if (!refreshing.add(server)) {
      return;
    }
    Thread.ofVirtual().name("refresh-" + server).start(() -> {
      try {
        Upstream u = upstreams.get(server);
        Live l = live.get();
        if (u != null && l != null) {
          l.catalog().refresh(server, u, l.config().limits().callTimeout());
          for (String kind : List.of("tools", "prompts", "resources")) {
            JsonRpcMessage.Notification n = new JsonRpcMessage.Notification("notifications/" + kind + "/list_changed", JsonRpcCodec.nodes().objectNode());
            for (Session s : sessions.all()) {
              s.push(n);
            }
            changes.publish(kind);
          }
        }
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "refreshing the catalog of " + server + " failed", e);
      } finally {
        refreshing.remove(server);
      }
    });
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
  }
}
