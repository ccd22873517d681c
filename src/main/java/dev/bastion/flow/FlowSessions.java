package dev.bastion.flow;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Where flow sessions live, and how a request finds its own. See docs/flow.md, "Flow sessions".
 *
 * <ul>
 *   <li>a legacy (2025-11-25) request uses its {@code Mcp-Session-Id} session (the session stage
 *       has already checked that it belongs to the caller);
 *   <li>a stateless (2026-07-28) request that carries {@code params._meta["bastion/flowSession"]}
 *       uses that flow session: the value is a key this gateway signed for this agent
 *       ({@code fs1.<id>.<hmac>}); the value {@code "new"} asks for a fresh one, returned in the
 *       result's {@code _meta};
 *   <li>a stateless request without a key uses the agent's <em>ambient</em> flow session, shared by
 *       all of that agent's key-less calls — omitting the key never drops history (fail closed).
 * </ul>
 *
 * <p>A key that does not verify (forged, issued to another agent, or signed before a restart) or
 * whose state was dropped (idle, evicted) is answered with a fresh session that starts labelled
 * {@code untrusted}: its history is unknown, so it is treated as the worst case.
 *
 * <p>Bounded: at most {@code maxSessions} states, least recently used dropped first; states idle
 * longer than {@code idleTimeout} are dropped.
 *
 * <p>Also keeps the gateway-wide record of untrusted tokens written into stores (memory tools): an
 * item keeps its untrusted label when a later session reads it back.
 */
public final class FlowSessions {
  public static final String META_KEY = "bastion/flowSession";
  public static final String NEW = "new";
  private static final String PREFIX = "fs1.";
  private static final int MAX_TAINTED_TOKENS = 1 << 16;

  private final int maxSessions;
  private final long idleNanos;
  private final byte[] secret = new byte[32];
  private final SecureRandom random = new SecureRandom();
  private final Map<String, FlowState> states;
  private final Map<String, Map<String, Boolean>> taintedStores = new java.util.concurrent.ConcurrentHashMap<>();

  /** The state a request resolved to, and the key to return to the agent (or null). */
  public record Resolved(String id, FlowState state, String keyToReturn) {}

  public FlowSessions(int maxSessions, Duration idleTimeout) {
    this.maxSessions = maxSessions;
    this.idleNanos = idleTimeout.toNanos();
    random.nextBytes(secret);
    this.states = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, FlowState> eldest) {
        return size() > FlowSessions.this.maxSessions;
      }
    };
  }

  /**
   * @param agentId the authenticated agent
   * @param legacySessionId the legacy session id, or null
   * @param key the {@code bastion/flowSession} value the agent sent, or null
   */
  public Resolved resolve(String agentId, String legacySessionId, String key) {
    if (key != null) {
      if (key.equals(NEW)) {
        return fresh(agentId, List.of());
      }
      String id = verify(agentId, key);
      if (id == null) {
        return fresh(agentId, List.of(FlowLabel.UNTRUSTED));
      }
      FlowState s = get("k:" + id);
      return s == null ? fresh(agentId, List.of(FlowLabel.UNTRUSTED)) : new Resolved("k:" + id, s, key);
    }
    String id = legacySessionId != null ? "legacy:" + legacySessionId : "agent:" + agentId;
    synchronized (states) {
      FlowState s = live(id);
      if (s == null) {
        s = new FlowState();
        states.put(id, s);
      }
      s.touch();
      return new Resolved(id, s, null);
    }
  }

  /** Drops the state of an ended legacy session. */
  public void endLegacy(String sessionId) {
    synchronized (states) {
      states.remove("legacy:" + sessionId);
    }
  }

  public int size() {
    synchronized (states) {
      return states.size();
    }
  }

  private FlowState get(String id) {
    synchronized (states) {
      FlowState s = live(id);
      if (s != null) {
        s.touch();
      }
      return s;
    }
  }

  private FlowState live(String id) {
    FlowState s = states.get(id);
    if (s != null && System.nanoTime() - s.lastUsedNanos() > idleNanos) {
      states.remove(id);
      return null;
    }
    return s;
  }

  private Resolved fresh(String agentId, List<String> labels) {
    byte[] idBytes = new byte[16];
    random.nextBytes(idBytes);
    String id = Base64.getUrlEncoder().withoutPadding().encodeToString(idBytes);
    FlowState s = new FlowState(labels);
    synchronized (states) {
      states.put("k:" + id, s);
    }
    return new Resolved("k:" + id, s, PREFIX + id + "." + mac(agentId, id));
  }

  private String verify(String agentId, String key) {
    if (!key.startsWith(PREFIX) || key.length() > 128) {
      return null;
    }
    String[] parts = key.substring(PREFIX.length()).split("\\.", -1);
    if (parts.length != 2 || parts[0].isEmpty()) {
      return null;
    }
    byte[] expected = mac(agentId, parts[0]).getBytes(StandardCharsets.US_ASCII);
    return MessageDigest.isEqual(expected, parts[1].getBytes(StandardCharsets.US_ASCII)) ? parts[0] : null;
  }

  private String mac(String agentId, String id) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      byte[] out = mac.doFinal((agentId + "\0" + id).getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(out);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is required by every Java platform", e);
    }
  }

  /** Remembers that {@code server} stored untrusted tokens (a memory or notes tool was written with them). */
  public void taintStore(String server, Set<String> tokens) {
    if (tokens.isEmpty()) {
      return;
    }
    Map<String, Boolean> m = taintedStores.computeIfAbsent(server, k -> java.util.Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, false) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
        return size() > MAX_TAINTED_TOKENS;
      }
    }));
    tokens.forEach(t -> m.put(t, Boolean.TRUE));
  }

  /** The untrusted tokens known to have been stored in {@code server}. */
  public Set<String> taintedTokens(String server) {
    Map<String, Boolean> m = taintedStores.get(server);
    if (m == null) {
      return Set.of();
    }
    synchronized (m) {
      return Set.copyOf(m.keySet());
    }
  }
}
