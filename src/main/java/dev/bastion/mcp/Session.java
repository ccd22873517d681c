package dev.bastion.mcp;

import dev.bastion.jsonrpc.JsonRpcMessage;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A legacy-era (2025-11-25) MCP session: created by initialize, bound to the agent that created it,
 * ended by DELETE, idle expiry, or gateway shutdown. Holds the agent's standalone GET stream (for
 * list_changed notifications) and its in-flight calls (for cancellation).
 */
public final class Session {
  private static final int STREAM_QUEUE = 256;

  private final String id;
  private final String agentId;
  private final String protocolVersion;
  private final Instant created;
  private final AtomicLong lastSeenNanos;
  private final AtomicLong calls = new AtomicLong();
  private final Map<String, Runnable> inFlight = new ConcurrentHashMap<>();
  private final AtomicReference<BlockingQueue<JsonRpcMessage.Notification>> stream = new AtomicReference<>();
  private final AgentRequests requests = new AgentRequests();
  private volatile boolean formElicitation;
  private volatile boolean urlElicitation;
  private volatile boolean sampling;
  private volatile boolean samplingTools;
  private volatile boolean samplingContext;
  private final java.util.Set<String> urlElicitations = ConcurrentHashMap.newKeySet();
  private volatile boolean initialized;
  private volatile boolean closed;

  Session(String id, String agentId, String protocolVersion, long nowNanos) {
    this.id = id;
    this.agentId = agentId;
    this.protocolVersion = protocolVersion;
    this.created = Instant.now();
    this.lastSeenNanos = new AtomicLong(nowNanos);
  }

  public String id() {
    return id;
  }

  public String agentId() {
    return agentId;
  }

  public String protocolVersion() {
    return protocolVersion;
  }

  public Instant created() {
    return created;
  }

  public long callCount() {
    return calls.get();
  }

  void touch(long nowNanos) {
    lastSeenNanos.set(nowNanos);
    calls.incrementAndGet();
  }

  long lastSeenNanos() {
    return lastSeenNanos.get();
  }

  /**
   * Remembers what the agent declared in {@code initialize}'s {@code capabilities}: form-mode
   * elicitation ({@code elicitation: {}} or {@code elicitation: {form: {}, ...}}), URL-mode
   * elicitation ({@code elicitation: {url: {}}}), sampling ({@code sampling: {}}, with {@code
   * tools} and {@code context} when declared).
   */
  public void clientCapabilities(tools.jackson.databind.JsonNode capabilities) {
    tools.jackson.databind.JsonNode e = capabilities == null ? null : capabilities.get("elicitation");
    formElicitation = e != null && e.isObject() && (e.isEmpty() || e.has("form"));
    urlElicitation = e != null && e.isObject() && e.get("url") != null && e.get("url").isObject();
    tools.jackson.databind.JsonNode s = capabilities == null ? null : capabilities.get("sampling");
    sampling = s != null && s.isObject();
    samplingTools = sampling && s.get("tools") != null && s.get("tools").isObject();
    samplingContext = sampling && s.get("context") != null && s.get("context").isObject();
  }

  /** Whether the agent declared form-mode elicitation at initialize. */
  public boolean acceptsFormElicitation() {
    return formElicitation;
  }

  /** Whether the agent declared URL-mode elicitation ({@code elicitation.url}) at initialize. */
  public boolean acceptsUrlElicitation() {
    return urlElicitation;
  }

  /** Whether the agent declared {@code sampling} at initialize. */
  public boolean acceptsSampling() {
    return sampling;
  }

  /** Whether the agent declared {@code sampling.tools} (tool use inside a sampling request). */
  public boolean acceptsSamplingTools() {
    return samplingTools;
  }

  /** Whether the agent declared {@code sampling.context} ({@code includeContext} other than none). */
  public boolean acceptsSamplingContext() {
    return samplingContext;
  }

  /**
   * Remembers a URL-mode elicitation relayed to this agent, so that the upstream's {@code
   * notifications/elicitation/complete} for it reaches this session (bounded: at most {@value
   * #MAX_URL_ELICITATIONS} remembered; the oldest are not tracked beyond that).
   */
  void expectElicitationComplete(String server, String elicitationId) {
    if (urlElicitations.size() < MAX_URL_ELICITATIONS) {
      urlElicitations.add(server + '\u0000' + elicitationId);
    }
  }

  /** True (once) if a URL elicitation of this server with this id was relayed to this session. */
  boolean takeElicitationComplete(String server, String elicitationId) {
    return urlElicitations.remove(server + '\u0000' + elicitationId);
  }

  static final int MAX_URL_ELICITATIONS = 64;

  /** The requests relayed to this session's agent and waiting for its answer. */
  AgentRequests requests() {
    return requests;
  }

  /**
   * Takes an answer the agent POSTed to a request the gateway relayed to it; false when it answers
   * nothing pending in this session (unknown, duplicate, late, or another session's id).
   */
  public boolean answer(JsonRpcMessage.Response response) {
    return requests.complete(response);
  }

  public boolean initialized() {
    return initialized;
  }

  public void markInitialized() {
    initialized = true;
  }

  public boolean closed() {
    return closed;
  }

  /** Registers the cancel action of an in-flight request, keyed by the agent's request id. */
  public void registerInFlight(String requestId, Runnable cancel) {
    inFlight.put(requestId, cancel);
  }

  /**
   * Removes the cancel action {@code cancel} registered under {@code requestId}, and only that one: an
   * agent that (wrongly) reuses an id while the first request is in flight must not lose the second
   * request's cancel action when the first one ends.
   */
  public void unregisterInFlight(String requestId, Runnable cancel) {
    inFlight.remove(requestId, cancel);
  }

  /** Cancels the in-flight request the agent named; returns whether one was found. */
  public boolean cancel(String requestId) {
    Runnable r = inFlight.remove(requestId);
    if (r != null) {
      r.run();
      return true;
    }
    return false;
  }

  /** Opens the standalone stream; empty if one is already open (one GET stream per session). */
  Optional<BlockingQueue<JsonRpcMessage.Notification>> openStream() {
    BlockingQueue<JsonRpcMessage.Notification> q = new ArrayBlockingQueue<>(STREAM_QUEUE);
    return stream.compareAndSet(null, q) ? Optional.of(q) : Optional.empty();
  }

  void closeStream(BlockingQueue<JsonRpcMessage.Notification> q) {
    stream.compareAndSet(q, null);
  }

  /** Queues a notification on the GET stream if one is open; drops it if the agent isn't reading. */
  public void push(JsonRpcMessage.Notification n) {
    BlockingQueue<JsonRpcMessage.Notification> q = stream.get();
    if (q != null) {
      q.offer(n);
    }
  }

  static JsonRpcMessage.Notification poll(BlockingQueue<JsonRpcMessage.Notification> q, long millis) throws InterruptedException {
    return q.poll(millis, TimeUnit.MILLISECONDS);
  }

  void close() {
    closed = true;
    requests.closeAll();
    inFlight.values().forEach(Runnable::run);
    inFlight.clear();
  }
}
