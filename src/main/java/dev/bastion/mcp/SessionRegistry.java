package dev.bastion.mcp;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * All live legacy sessions. Ids are 256 random bits (URL-safe base64), unguessable. A session is
 * found only by the agent it is bound to: another agent, or any agent after expiry, gets nothing
 * (which the endpoint answers with 404, as the spec asks for unknown sessions).
 */
public final class SessionRegistry {
  private final Map<String, Session> sessions = new ConcurrentHashMap<>();
  private final SecureRandom random = new SecureRandom();
  private final int maxSessions;
  private final long idleNanos;
  private final LongSupplier clock;

  public SessionRegistry(int maxSessions, Duration idleTimeout, LongSupplier nanoClock) {
    this.maxSessions = maxSessions;
    this.idleNanos = idleTimeout.toNanos();
    this.clock = nanoClock;
  }

  public SessionRegistry(int maxSessions, Duration idleTimeout) {
    this(maxSessions, idleTimeout, System::nanoTime);
  }

  private volatile java.util.function.BiConsumer<String, String> strays = (agent, what) -> {};

  /** Where agents' answers that match no pending request are reported (the audit, as drops). */
  public void onStrayAnswer(java.util.function.BiConsumer<String, String> recorder) {
    strays = recorder;
  }

  void strayAnswer(String agentId, String what) {
    try {
      strays.accept(agentId, what);
    } catch (RuntimeException e) {
      java.lang.System.getLogger(SessionRegistry.class.getName()).log(java.lang.System.Logger.Level.WARNING, "recording a stray answer failed: " + e);
    }
  }

  /** Creates a session bound to the agent, or empty when the gateway holds its maximum. */
  public Optional<Session> create(String agentId, String protocolVersion) {
    if (sessions.size() >= maxSessions) {
      expireIdle();
      if (sessions.size() >= maxSessions) {
        return Optional.empty();
      }
    }
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    String id = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    Session s = new Session(id, agentId, protocolVersion, clock.getAsLong());
    sessions.put(id, s);
    return Optional.of(s);
  }

  /** The session with this id bound to this agent, if it exists and has not expired. */
  public Optional<Session> find(String id, String agentId) {
    if (id == null) {
      return Optional.empty();
    }
    Session s = sessions.get(id);
    if (s == null || s.closed()) {
      return Optional.empty();
    }
    long now = clock.getAsLong();
    if (now - s.lastSeenNanos() > idleNanos) {
      remove(s);
      return Optional.empty();
    }
    if (!s.agentId().equals(agentId)) {
      return Optional.empty();
    }
    s.touch(now);
    return Optional.of(s);
  }

  /** Like {@link #find} but without counting a use: for stages that only read session facts. */
  public Optional<Session> peek(String id, String agentId) {
    Session s = id == null ? null : sessions.get(id);
    return s != null && !s.closed() && s.agentId().equals(agentId) ? Optional.of(s) : Optional.empty();
  }

  public void remove(Session s) {
    if (sessions.remove(s.id(), s)) {
      s.close();
    }
  }

  /**
   * Delivers an upstream's {@code notifications/elicitation/complete} to the one session its
   * URL-mode elicitation was relayed to (on that session's GET stream); a notification for an id
   * that was not relayed, or already completed, reaches no one. False when it was not delivered.
   */
  public boolean elicitationComplete(String server, tools.jackson.databind.node.ObjectNode params) {
    String id = params == null ? null : params.path("elicitationId").asString(null);
    if (id == null) {
      return false;
    }
    for (Session s : sessions.values()) {
      if (s.takeElicitationComplete(server, id)) {
        tools.jackson.databind.node.ObjectNode p = dev.bastion.jsonrpc.JsonRpcCodec.nodes().objectNode();
        p.put("elicitationId", id);
        s.push(new dev.bastion.jsonrpc.JsonRpcMessage.Notification("notifications/elicitation/complete", p));
        return true;
      }
    }
    return false;
  }

  public int size() {
    return sessions.size();
  }

  public Collection<Session> all() {
    return sessions.values();
  }

  /** Ends sessions idle for longer than the timeout. */
  public void expireIdle() {
    long now = clock.getAsLong();
    for (Session s : sessions.values()) {
      if (now - s.lastSeenNanos() > idleNanos) {
        remove(s);
      }
    }
  }

  public void closeAll() {
    sessions.values().forEach(this::remove);
  }
}
