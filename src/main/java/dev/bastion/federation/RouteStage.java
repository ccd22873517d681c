package dev.bastion.federation;

import dev.bastion.pipeline.Exchange;
import dev.bastion.pipeline.Fault;
import dev.bastion.pipeline.Outcome;
import dev.bastion.pipeline.ReasonCode;
import dev.bastion.pipeline.Stage;
import dev.bastion.pipeline.Target;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Resolves what a call is aimed at (which upstream, which tool, prompt or resource) from the
 * federated catalog, so that inspection and policy see the real target and its definition. A name
 * that does not resolve ends the exchange here with {@code unknown_target}.
 */
public final class RouteStage implements Stage {
  private final Catalog catalog;

  public RouteStage(Catalog catalog) {
    this.catalog = catalog;
  }

  @Override
  public String name() {
    return "route";
  }

  @Override
  public Outcome handle(Exchange exchange, Chain chain) {
    if (exchange.isNotification()) {
      return chain.proceed(exchange);
    }
    ObjectNode params = exchange.params();
    Optional<Target> target;
    // what the call names ("tool", the name as sent): put into words only when the call is refused
    String whatKind;
    String whatName;
    switch (exchange.method()) {
      case "tools/call" -> {
        String name = text(params, "name");
        if (name == null) {
          return invalid("tools/call needs params.name, the tool's name as listed by tools/list");
        }
        whatKind = "tool";
        whatName = name;
        target = catalog.tool(name);
        Optional<String> quarantined = target.isEmpty() ? catalog.withheld(name) : Optional.empty();
        if (quarantined.isPresent()) {
          return new Outcome.Failure(
              Fault.of(
                  ReasonCode.TOOL_QUARANTINED,
                  what(whatKind, whatName) + " is quarantined (" + clip(quarantined.get()) + "); an operator must review it with 'bastion tools approve'"));
        }
      }
      case "prompts/get" -> {
        String name = text(params, "name");
        if (name == null) {
          return invalid("prompts/get needs params.name, the prompt's name as listed by prompts/list");
        }
        whatKind = "prompt";
        whatName = name;
        target = catalog.prompt(name);
      }
      case "resources/read", "resources/subscribe", "resources/unsubscribe" -> {
        String uri = text(params, "uri");
        if (uri == null) {
          return invalid(exchange.method() + " needs params.uri");
        }
        whatKind = "resource";
        whatName = uri;
        target = catalog.resource(uri);
      }
      case "completion/complete" -> {
        JsonNode ref = params.get("ref");
        if (ref == null || !ref.isObject()) {
          return invalid("completion/complete needs params.ref");
        }
        String type = ref.path("type").asString("");
        if (type.equals("ref/prompt") && ref.path("name").isString()) {
          whatKind = "prompt";
          whatName = ref.path("name").asString();
          target = catalog.prompt(ref.path("name").asString()).map(t -> new Target(Target.Kind.COMPLETION, t.server(), t.exposedName(), t.upstreamName(), t.definition()));
        } else if (type.equals("ref/resource") && ref.path("uri").isString()) {
          whatKind = "resource";
          whatName = ref.path("uri").asString();
          target = catalog.resource(ref.path("uri").asString()).map(t -> new Target(Target.Kind.COMPLETION, t.server(), t.exposedName(), t.upstreamName(), t.definition()));
        } else {
          return invalid("completion/complete params.ref must be {type: ref/prompt, name} or {type: ref/resource, uri}");
        }
      }
      default -> {
        return chain.proceed(exchange);
      }
    }
    if (target.isEmpty()) {
      return new Outcome.Failure(Fault.of(ReasonCode.UNKNOWN_TARGET, "unknown " + what(whatKind, whatName) + ": it is not in this agent's catalog"));
    }
    exchange.log().target(target.get());
    return chain.proceed(exchange.withTarget(target.get()));
  }

  private static String what(String kind, String name) {
    return kind + " '" + clip(name) + "'";
  }

  private static Outcome invalid(String message) {
    return new Outcome.Failure(Fault.of(ReasonCode.INVALID_PARAMS, message));
  }

  private static String text(ObjectNode params, String field) {
    JsonNode n = params.get(field);
    return n != null && n.isString() && !n.asString().isEmpty() ? n.asString() : null;
  }

  static String clip(String s) {
    int n = Math.min(s.length(), 80);
    StringBuilder b = new StringBuilder(n + 1);
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      b.append(c >= 0x20 && c <= 0x7e ? c : '?'); // printable ASCII only, as [^\x20-\x7e] -> ?
    }
    return s.length() > 80 ? b.append('?').toString() : b.toString(); // the old "…" fell to the same rule
  }
}
