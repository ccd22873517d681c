package dev.bastion.inspect;

import dev.bastion.config.FirewallConfig;
import dev.bastion.config.FirewallConfig.Action;
import dev.bastion.jsonrpc.JsonRpcMessage;
import dev.bastion.pipeline.Exchange;
import dev.bastion.pipeline.Fault;
import dev.bastion.pipeline.Finding;
import dev.bastion.pipeline.Outcome;
import dev.bastion.pipeline.ReasonCode;
import dev.bastion.pipeline.Stage;
import dev.bastion.pipeline.Target;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The {@code inspect-request} stage: checks what an agent sends to a tool before policy decides on
 * it. For {@code tools/call}: the arguments against the tool's inputSchema, then the configured
 * argument rules (paths confined to roots, URLs SSRF-checked, plain fields free of shell
 * metacharacters and leading dashes, e-mail recipients at allowed domains and not at look-alikes), then the content detectors over every argument string. For
 * {@code prompts/get}: the content detectors over the arguments. Findings go to the exchange log,
 * where policy ({@code request.findings}) and audit read them. A finding whose action is block ends
 * the exchange with {@code request_blocked}; redact rewrites the arguments that are forwarded. A
 * 2026-07-28 retry ({@code tools/call}, {@code prompts/get}, {@code resources/read} carrying {@code
 * inputResponses}, the agent's answers to an {@code input_required} result) has its answers checked
 * like a relayed answer: an object of result objects (else {@code invalid_params}), content
 * detectors in the request direction, located at {@code /inputResponses/<key>/…}; {@code
 * requestState} is the server's opaque state and passes unread.
 */
public final class RequestInspectionStage implements Stage {
  private final FirewallConfig config;
  private final Inspector inspector;
  private final SchemaCheck schemas = new SchemaCheck();
  private final Map<String, Map<String, Rule>> rules;

  private sealed interface Rule {
    Optional<String> check(String value);
  }

  private record PathRule(PathCheck check) implements Rule {
    public Optional<String> check(String value) {
      return check.check(value);
    }
  }

  private record UrlRule(UrlCheck check) implements Rule {
    public Optional<String> check(String value) {
      return check.check(value);
    }
  }

  private record EmailRule(EmailCheck check) implements Rule {
    public Optional<String> check(String value) {
      return check.check(value);
    }
  }

  private record PlainRule() implements Rule {
    public Optional<String> check(String value) {
      return ShellCheck.check(value);
    }
  }

  public RequestInspectionStage(FirewallConfig config, UrlCheck.Resolver resolver) {
    this.config = config;
    this.inspector = new Inspector(config);
    Map<String, Map<String, Rule>> byTool = new java.util.HashMap<>();
    config.tools().forEach((tool, args) -> {
      Map<String, Rule> r = new java.util.HashMap<>();
      args.forEach((name, rule) -> r.put(name, switch (rule.kind()) {
        case PATH -> new PathRule(new PathCheck(rule.roots()));
        case URL -> new UrlRule(new UrlCheck(new HashSet<>(rule.allowHosts()), resolver, Duration.ofSeconds(2)));
        case PLAIN -> new PlainRule();
        case EMAIL -> new EmailRule(new EmailCheck(new HashSet<>(rule.allowHosts())));
      }));
      byTool.put(tool, Map.copyOf(r));
    });
    this.rules = Map.copyOf(byTool);
  }

  public static RequestInspectionStage fromConfig(FirewallConfig config) {
    return new RequestInspectionStage(config, UrlCheck.SYSTEM);
  }

  public Inspector inspector() {
    return inspector;
  }

  @Override
  public String name() {
    return "inspect-request";
  }

  @Override
  public Outcome handle(Exchange exchange, Chain chain) {
    if (!config.enabled() || exchange.isNotification()) {
      return chain.proceed(exchange);
    }
    String method = exchange.method();
    ObjectNode params = exchange.params();
    // a 2026-07-28 retry after an input_required result carries the agent's answers (MCP draft, mrtr)
    JsonNode responses = RETRIED.contains(method) ? params.get("inputResponses") : null;
    if (!method.equals("tools/call") && !method.equals("prompts/get") && responses == null) {
      return chain.proceed(exchange);
    }
    JsonNode arguments = params.get("arguments");
    List<Finding> findings = new ArrayList<>();
    Target target = exchange.target();
    String schemaProblem = null;
    if (method.equals("tools/call") && target.kind() == Target.Kind.TOOL) {
      if (config.validateSchema() && (arguments == null || arguments.isObject())) {
        String problem = schemas.check(target.exposedName(), target.definition(), arguments);
        schemaProblem = problem;
        if (problem != null) {
          findings.add(new Finding("argument", "schema_violation", Direction.REQUEST.id(), actionName(Hit.Category.ARGUMENT, "schema_violation"), "/arguments"));
        }
      }
      Map<String, Rule> toolRules = rules.get(target.exposedName());
      if (toolRules != null && arguments != null && arguments.isObject()) {
        toolRules.forEach((arg, rule) -> {
          JsonNode v = arguments.get(arg);
          for (String value : strings(v)) {
            rule.check(value).ifPresent(detector ->
                findings.add(new Finding("argument", detector, Direction.REQUEST.id(), actionName(Hit.Category.ARGUMENT, detector), "/arguments/" + arg)));
          }
        });
      }
    }
    JsonNode rewritten = null;
    if (arguments != null) {
      Inspector.Inspection inspection = inspector.inspect(arguments, Direction.REQUEST, "/arguments");
      findings.addAll(inspection.findings());
      rewritten = inspection.rewritten();
    }
    JsonNode rewrittenResponses = null;
    if (responses != null) {
      if (!(responses instanceof ObjectNode answers) || answers.properties().stream().anyMatch(e -> !e.getValue().isObject())) {
        return new Outcome.Failure(Fault.of(ReasonCode.INVALID_PARAMS,
            "inputResponses must map each key of the server's inputRequests to the agent's result object"));
      }
      // what the user typed, or the agent's model wrote, goes to the server: as in a relayed answer
      Inspector.Inspection inspection = inspector.inspect(responses, Direction.REQUEST, "/inputResponses");
      findings.addAll(inspection.findings());
      rewrittenResponses = inspection.rewritten();
    }
    if (findings.isEmpty()) {
      return chain.proceed(exchange);
    }
    exchange.log().findings(findings);
    List<String> blocking = findings.stream().filter(f -> f.action().equals("block")).map(f -> f.detector() + " at " + f.location()).distinct().limit(5).toList();
    if (!blocking.isEmpty()) {
      if (schemaProblem != null && blocking.size() == 1 && blocking.get(0).startsWith("schema_violation ")) {
        // Only the schema said no: the model sent malformed arguments, not an attack. Answered as a
        // tool execution error so it can correct them (WireErrors); recorded as invalid_arguments.
        return new Outcome.Failure(Fault.of(ReasonCode.INVALID_ARGUMENTS, "invalid arguments for " + target.exposedName() + ": " + schemaProblem));
      }
      return new Outcome.Failure(Fault.of(ReasonCode.REQUEST_BLOCKED, "the request was blocked by the firewall: " + String.join(", ", blocking)));
    }
    if (rewritten != null || rewrittenResponses != null) {
      ObjectNode newParams = params.deepCopy();
      if (rewritten != null) {
        newParams.set("arguments", rewritten);
      }
      if (rewrittenResponses != null) {
        newParams.set("inputResponses", rewrittenResponses);
      }
      JsonRpcMessage.Request r = (JsonRpcMessage.Request) exchange.message();
      return chain.proceed(exchange.withMessage(new JsonRpcMessage.Request(r.id(), r.method(), newParams)));
    }
    return chain.proceed(exchange);
  }

  /** Requests a server may answer with input_required, so that the agent retries them with inputResponses. */
  private static final java.util.Set<String> RETRIED = java.util.Set.of("tools/call", "prompts/get", "resources/read");

  private String actionName(Hit.Category category, String detector) {
    Action a = inspector.action(category, detector, Direction.REQUEST);
    return a.name().toLowerCase(Locale.ROOT);
  }

  /** The string values to check: the value itself, or the strings of an array (bounded). */
  private static List<String> strings(JsonNode v) {
    if (v == null || v.isNull()) {
      return List.of();
    }
    if (v.isString()) {
      return List.of(v.asString());
    }
    if (v.isArray()) {
      List<String> out = new ArrayList<>();
      for (JsonNode n : v) {
        if (n.isString() && out.size() < 1000) {
          out.add(n.asString());
        }
      }
      return out;
    }
    return List.of();
  }
}
