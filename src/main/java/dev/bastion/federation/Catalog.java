package dev.bastion.federation;

import dev.bastion.jsonrpc.JsonRpcCodec;
import dev.bastion.pipeline.Target;
import dev.bastion.upstream.Upstream;
import dev.bastion.upstream.UpstreamException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The federated namespace: every upstream's tools, prompts, resources and resource templates under
 * one roof. Tools and prompts are exposed as {@code <server>__<name>}, so two servers can never
 * collide or shadow each other; resources keep their URIs and are routed by exact URI or, failing
 * that, by the one template that claims the URI (an ambiguous URI is refused, not guessed).
 *
 * <p>Each server's part is refreshed on its own (at start, on list_changed, after a restart) and
 * published as an immutable snapshot; readers never lock.
 */
public final class Catalog {
  private static final Logger LOG = Logger.getLogger(Catalog.class.getName());
  public static final String SEPARATOR = "__";
  private static final int MAX_PAGES = 50;
  private static final int MAX_ITEMS = 5_000;

  /** One server's listed items, as the upstream defined them (hostile content, kept verbatim). */
  public record ServerPart(String server, List<ObjectNode> tools, List<ObjectNode> prompts, List<ObjectNode> resources, List<ObjectNode> templates) {
    static ServerPart empty(String server) {
      return new ServerPart(server, List.of(), List.of(), List.of(), List.of());
    }
  }

  private final Map<String, ServerPart> parts = new ConcurrentHashMap<>();
  private final List<String> order;
  private final ToolScreen screen;
  /** What agents see: {@link #parts} without the tools the screen withholds. Replaced whole. */
  private volatile Map<String, ServerPart> visible = Map.of();
  private volatile Map<String, String> withheld = Map.of();
  /** The visible tools and prompts by exposed name, resolved once per change (not per call). */
  private volatile Named named = Named.EMPTY;

  private record Named(Map<String, Optional<Target>> tools, Map<String, Optional<Target>> prompts) {
    static final Named EMPTY = new Named(Map.of(), Map.of());
  }

  public Catalog(List<String> serverOrder) {
    this(serverOrder, ToolScreen.NONE);
  }

  public Catalog(List<String> serverOrder, ToolScreen screen) {
    this.order = List.copyOf(serverOrder);
    this.screen = screen;
    for (String s : order) {
      parts.put(s, ServerPart.empty(s));
    }
    rescreen();
  }

  /** A catalog for a new set of servers that keeps what it already knows about the ones that stay. */
  public Catalog withServers(List<String> serverOrder) {
    return withServers(serverOrder, screen);
  }

  /** As {@link #withServers(List)}, judged by a new screen (the configuration's integrity settings). */
  public Catalog withServers(List<String> serverOrder, ToolScreen nextScreen) {
    Catalog next = new Catalog(serverOrder, nextScreen);
    for (String s : serverOrder) {
      ServerPart known = parts.get(s);
      if (known != null) {
        next.parts.put(s, known);
      }
    }
    next.rescreen();
    return next;
  }

  /**
   * Asks the screen again which tools to withhold (after a list changed, or when approvals changed)
   * and publishes the result. A screen that fails withholds every tool: fail closed.
   *
   * @return whether the set of withheld tools changed
   */
  public synchronized boolean rescreen() {
    List<ServerPart> all = new ArrayList<>(order.size());
    for (String s : order) {
      all.add(parts.getOrDefault(s, ServerPart.empty(s)));
    }
    Map<String, String> out;
    try {
      out = Map.copyOf(screen.withheld(all));
    } catch (RuntimeException e) {
      LOG.log(Level.SEVERE, "tool integrity checks failed; withholding every tool until they succeed", e);
      Map<String, String> everything = new java.util.HashMap<>();
      for (ServerPart p : all) {
        for (ObjectNode t : p.tools()) {
          everything.put(expose(p.server(), t.path("name").asString("")), "integrity checks unavailable");
        }
      }
      out = Map.copyOf(everything);
    }
    Map<String, ServerPart> shown = new java.util.HashMap<>();
    for (ServerPart p : all) {
      List<ObjectNode> tools = new ArrayList<>(p.tools().size());
      for (ObjectNode t : p.tools()) {
        if (!out.containsKey(expose(p.server(), t.path("name").asString("")))) {
          tools.add(t);
        }
      }
      shown.put(p.server(), new ServerPart(p.server(), List.copyOf(tools), p.prompts(), p.resources(), p.templates()));
    }
    boolean changed = !out.equals(withheld);
    withheld = out;
    Map<String, ServerPart> nowVisible = Map.copyOf(shown);
    named = new Named(index(nowVisible, Target.Kind.TOOL), index(nowVisible, Target.Kind.PROMPT));
    visible = nowVisible;
    return changed;
  }

  /** How many tools of each server are withheld (quarantined) now; servers with none are left out. */
  public Map<String, Long> withheldPerServer() {
    Map<String, Long> out = new java.util.TreeMap<>();
    for (String exposed : withheld.keySet()) {
      int sep = exposed.indexOf("__");
      out.merge(sep < 0 ? exposed : exposed.substring(0, sep), 1L, Long::sum);
    }
    return out;
  }

  /** Why a tool is withheld (quarantined), if it is. */
  public Optional<String> withheld(String exposedName) {
    return Optional.ofNullable(withheld.get(exposedName));
  }

  public static String expose(String server, String name) {
    return server + SEPARATOR + name;
  }

  /** Re-reads one server's lists. Lists the server does not offer stay empty. */
  public void refresh(String server, Upstream upstream, Duration timeout) {
    JsonNode caps = upstream.description().capabilities();
    // The first page of every list is asked for before any answer is awaited (one round trip instead
    // of four on start-up and every refresh); further pages follow one by one, as before.
    FirstPage toolsFirst = has(caps, "tools") ? firstPage(upstream, "tools/list", timeout) : null;
    FirstPage promptsFirst = has(caps, "prompts") ? firstPage(upstream, "prompts/list", timeout) : null;
    FirstPage resourcesFirst = has(caps, "resources") ? firstPage(upstream, "resources/list", timeout) : null;
    FirstPage templatesFirst = has(caps, "resources") ? firstPage(upstream, "resources/templates/list", timeout) : null;
    List<ObjectNode> tools = has(caps, "tools") ? listAll(upstream, "tools/list", "tools", timeout, toolsFirst) : List.of();
    List<ObjectNode> prompts = has(caps, "prompts") ? listAll(upstream, "prompts/list", "prompts", timeout, promptsFirst) : List.of();
    List<ObjectNode> resources = has(caps, "resources") ? listAll(upstream, "resources/list", "resources", timeout, resourcesFirst) : List.of();
    List<ObjectNode> templates =
        has(caps, "resources") ? listAll(upstream, "resources/templates/list", "resourceTemplates", timeout, templatesFirst) : List.of();
    synchronized (this) {
      parts.put(server, new ServerPart(server, tools, prompts, resources, templates));
      rescreen();
    }
  }

  public synchronized void clear(String server) {
    parts.put(server, ServerPart.empty(server));
    rescreen();
  }

  private static boolean has(JsonNode caps, String key) {
    return caps != null && caps.has(key);
  }

  /** A list's first page: the call sent, or why it could not be sent (reported by {@link #listAll} as before). */
  private record FirstPage(Upstream.Call call, UpstreamException failed) {
    ObjectNode await() throws UpstreamException {
      if (failed != null) {
        throw failed;
      }
      return call.await();
    }
  }

  private static FirstPage firstPage(Upstream upstream, String method, Duration timeout) {
    try {
      return new FirstPage(upstream.call(method, JsonRpcCodec.nodes().objectNode(), Upstream.CallOptions.of(timeout)), null);
    } catch (UpstreamException e) {
      return new FirstPage(null, e);
    }
  }

  /** @param first the first page, already asked for */
  private static List<ObjectNode> listAll(Upstream upstream, String method, String field, Duration timeout, FirstPage first) {
    List<ObjectNode> out = new ArrayList<>();
    String cursor = null;
    try {
      for (int page = 0; page < MAX_PAGES; page++) {
        ObjectNode params = JsonRpcCodec.nodes().objectNode();
        if (cursor != null) {
          params.put("cursor", cursor);
        }
        ObjectNode result = page == 0 ? first.await() : upstream.call(method, params, Upstream.CallOptions.of(timeout)).await();
        JsonNode items = result.get(field);
        if (items != null && items.isArray()) {
          for (JsonNode item : items) {
            if (item.isObject() && item.path("name").isString() || item.isObject() && item.has("uri") || item.isObject() && item.has("uriTemplate")) {
              out.add((ObjectNode) item);
              if (out.size() >= MAX_ITEMS) {
                LOG.warning(upstream.name() + ": " + method + " truncated at " + MAX_ITEMS + " items");
                return out;
              }
            }
          }
        }
        JsonNode next = result.get("nextCursor");
        if (next == null || !next.isString() || next.asString().isEmpty()) {
          return out;
        }
        cursor = next.asString();
      }
    } catch (UpstreamException e) {
      LOG.log(Level.WARNING, upstream.name() + ": " + method + " failed: " + e.getMessage());
    }
    return out;
  }

  /** Every server's part as agents see it (withheld tools left out), in configuration order. */
  public List<ServerPart> parts() {
    Map<String, ServerPart> shown = visible;
    List<ServerPart> out = new ArrayList<>(order.size());
    for (String s : order) {
      ServerPart p = shown.get(s);
      if (p != null) {
        out.add(p);
      }
    }
    return out;
  }

  /** Resolves an exposed tool name ({@code server__tool}). */
  public Optional<Target> tool(String exposedName) {
    return resolveNamed(exposedName, Target.Kind.TOOL);
  }

  /** Resolves an exposed prompt name ({@code server__prompt}). */
  public Optional<Target> prompt(String exposedName) {
    return resolveNamed(exposedName, Target.Kind.PROMPT);
  }

  private Optional<Target> resolveNamed(String exposedName, Target.Kind kind) {
    Optional<Target> found = (kind == Target.Kind.TOOL ? named.tools() : named.prompts()).get(exposedName);
    return found == null ? Optional.empty() : found;
  }

  /**
   * Every tool (or prompt) an exposed name resolves to: {@code server__name} split at the first
   * separator names the server and the item; the first item of that name in the server's list wins.
   */
  private static Map<String, Optional<Target>> index(Map<String, ServerPart> shown, Target.Kind kind) {
    Map<String, Optional<Target>> out = new java.util.HashMap<>();
    for (ServerPart part : shown.values()) {
      String server = part.server();
      for (ObjectNode item : kind == Target.Kind.TOOL ? part.tools() : part.prompts()) {
        String name = item.path("name").asString(null);
        String exposed = name == null ? null : expose(server, name);
        // only what splits back into this server and name (not a server named "" or "a_", "a__b")
        if (exposed != null && !server.isEmpty() && exposed.indexOf(SEPARATOR) == server.length()) {
          out.putIfAbsent(exposed, Optional.of(new Target(kind, server, exposed, name, item)));
        }
      }
    }
    return Map.copyOf(out);
  }

  /** Routes a resource URI: exact listed URI first, then the single template that claims it. */
  public Optional<Target> resource(String uri) {
    for (ServerPart part : parts()) {
      for (ObjectNode r : part.resources()) {
        if (uri.equals(r.path("uri").asString(null))) {
          return Optional.of(new Target(Target.Kind.RESOURCE, part.server(), uri, uri, r));
        }
      }
    }
    Map<String, ObjectNode> claims = new LinkedHashMap<>();
    for (ServerPart part : parts()) {
      for (ObjectNode t : part.templates()) {
        String template = t.path("uriTemplate").asString("");
        if (UriTemplates.matches(template, uri)) {
          claims.putIfAbsent(part.server(), t);
        }
      }
    }
    if (claims.size() == 1) {
      Map.Entry<String, ObjectNode> only = claims.entrySet().iterator().next();
      return Optional.of(new Target(Target.Kind.RESOURCE, only.getKey(), uri, uri, only.getValue()));
    }
    return Optional.empty();
  }
}
