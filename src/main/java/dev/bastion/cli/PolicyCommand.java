package dev.bastion.cli;

import dev.bastion.config.AgentConfig;
import dev.bastion.config.BastionConfig;
import dev.bastion.config.ConfigResult;
import dev.bastion.config.PolicyConfig;
import dev.bastion.gateway.ConfigChecks;
import dev.bastion.policy.CompiledPolicy;
import dev.bastion.policy.PolicyCompilation;
import dev.bastion.policy.PolicyCompiler;
import dev.bastion.policy.PolicyEvaluation;
import dev.bastion.policy.PolicyErrors;
import dev.bastion.policy.PolicyInput;
import dev.bastion.policy.PolicyLint;
import dev.bastion.policy.PolicyTests;
import dev.bastion.policy.ToolDefinitions;
import dev.bastion.integrity.PinnedDefinitions;
import dev.bastion.policy.SessionFacts;
import dev.bastion.pipeline.Principal;
import dev.bastion.pipeline.Target;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

@Command(
    name = "policy",
    mixinStandardHelpOptions = true,
    description = "Test, explain and lint access policies.",
    subcommands = {PolicyCommand.Test.class, PolicyCommand.Explain.class, PolicyCommand.Lint.class})
final class PolicyCommand implements Runnable {
  @Override
  public void run() {
    new picocli.CommandLine(this).usage(System.out);
  }

  /** The loaded config and its compiled policy, or null after printing why not. */
  record Loaded(BastionConfig config, CompiledPolicy policy) {}

  static Loaded load(Path file, PrintStream err) {
    return switch (ConfigChecks.load(file)) {
      case ConfigResult.Ok ok -> {
        PolicyCompilation c = PolicyCompiler.compile(ok.config().policy());
        if (c instanceof CompiledPolicy p) {
          yield new Loaded(ok.config(), p);
        }
        err.println(((PolicyErrors) c).describe());
        yield null;
      }
      case ConfigResult.Invalid bad -> {
        Runner.printErrors(err, file, bad.errors());
        yield null;
      }
    };
  }

  @Command(name = "test", mixinStandardHelpOptions = true,
      description = {"Run policy test files (YAML: config + cases with the expected effect and rule ids).",
          "Exit 0 when every case passes, 1 when one fails, 2 when a file or its config is invalid."})
  static final class Test implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", arity = "1..*", description = "Policy test files.")
    List<Path> files;

    @Override
    public Integer call() {
      int failed = 0;
      int passed = 0;
      for (Path file : files) {
        PolicyTests.Suite suite;
        try {
          suite = PolicyTests.read(file);
        } catch (IOException | RuntimeException e) {
          System.err.println(file + ": " + e.getMessage());
          return ExitCodes.INVALID;
        }
        Loaded loaded = load(suite.config(), System.err);
        if (loaded == null) {
          return ExitCodes.INVALID;
        }
        System.out.println(file + " (config " + suite.config().getFileName() + ")");
        for (PolicyTests.Result r : PolicyTests.run(loaded.config(), loaded.policy(), suite.cases())) {
          if (r.passed()) {
            passed++;
            System.out.println("  ok    " + r.name());
          } else {
            failed++;
            System.out.println("  FAIL  " + r.name());
            r.diff().lines().forEach(l -> System.out.println("        " + l));
          }
        }
      }
      System.out.println(passed + " passed, " + failed + " failed");
      return failed == 0 ? ExitCodes.OK : ExitCodes.FAILED;
    }
  }

  @Command(name = "explain", mixinStandardHelpOptions = true,
      description = {"Show how the policy decides one call: every rule, whether the index skips it, whether it matched, and the decision."})
  static final class Explain implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "The configuration file.")
    Path config;

    @Option(names = "--agent", required = true, description = "The agent id (its roles come from the config unless --role is given).")
    String agent;

    @Option(names = "--role", description = "A role (repeatable); replaces the agent's configured roles.")
    List<String> roles;

    @Option(names = "--user", description = "The user the agent acts for.")
    String user;

    @Option(names = "--tool", description = "The exposed tool name, server__tool.")
    String tool;

    @Option(names = "--method", defaultValue = "tools/call", description = "The MCP method (default ${DEFAULT-VALUE}).")
    String method;

    @Option(names = "--args", defaultValue = "{}", description = "The call's arguments as a JSON object.")
    String args;

    @Option(names = "--time", description = "When the call happens (ISO-8601), default now.")
    Instant time;

    @Override
    public Integer call() {
      Loaded loaded = load(config, System.err);
      if (loaded == null) {
        return ExitCodes.INVALID;
      }
      ObjectNode arguments;
      try {
        arguments = (ObjectNode) JsonMapper.builder().build().readTree(args);
      } catch (RuntimeException e) {
        System.err.println("--args must be a JSON object: " + e.getMessage());
        return ExitCodes.INVALID;
      }
      AgentConfig a = loaded.config().agents().get(agent);
      List<String> r = roles != null ? roles : a == null ? List.of() : a.roles();
      Target target = Target.GATEWAY;
      ObjectNode params = JsonMapper.builder().build().createObjectNode();
      if (tool != null) {
        int sep = tool.indexOf("__");
        if (sep <= 0) {
          System.err.println("--tool must be an exposed name server__tool");
          return ExitCodes.INVALID;
        }
        target = new Target(Target.Kind.TOOL, tool.substring(0, sep), tool, tool.substring(sep + 2),
            params.objectNode().put("name", tool.substring(sep + 2)));
        params.put("name", tool);
      }
      params.set("arguments", arguments);
      PolicyInput input = new PolicyInput(new Principal(agent, r, user, "api_key", Map.of()), method, target, params,
          SessionFacts.NONE, time == null ? Instant.now() : time, "127.0.0.1");
      Map<String, PolicyConfig.Rule> written = new LinkedHashMap<>();
      loaded.config().policy().rules().forEach(rule -> written.put(rule.id(), rule));
      System.out.println("agent " + agent + " roles " + r + (user == null ? "" : " user " + user) + ", " + method + (tool == null ? "" : " " + tool) + " " + arguments);
      for (CompiledPolicy.RuleTrace t : loaded.policy().explain(input)) {
        String status = t.skippedByIndex() ? "skipped (index: method/server/tool literal differs)" : switch (t.outcome()) {
          case "true" -> "MATCHED";
          case "false" -> "no match";
          default -> "evaluation failed (counted as " + (t.effect() == PolicyConfig.Effect.ALLOW ? "not matching" : "matching") + ")";
        };
        System.out.printf("  %-24s %-5s %-7s %s%n", t.id(), t.effect().name().toLowerCase(java.util.Locale.ROOT),
            t.mode().name().toLowerCase(java.util.Locale.ROOT), status);
        if (!t.skippedByIndex() && !"false".equals(t.outcome())) {
          System.out.println("      when: " + written.get(t.id()).when().strip().replace("\n", "\n            "));
        }
      }
      PolicyEvaluation e = loaded.policy().decide(input);
      System.out.println("decision: " + e.decision().getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT) + " by " + e.decision().ruleIds());
      e.shadow().forEach(s -> System.out.println("shadow: " + s));
      e.notes().forEach(s -> System.out.println("note: " + s));
      return ExitCodes.OK;
    }
  }

  @Command(name = "lint", mixinStandardHelpOptions = true,
      description = {"Find rules that never match or never take effect, conflicts, unconditional grants, unknown references and risky settings.",
          "Tool names and annotations (destructive tools) are checked against the pinned definitions in <data_dir>/pins.json when"
              + " it exists, and against --tools files.",
          "Exit 0 when there are no errors (and, with --strict, no warnings), 1 otherwise, 2 when the config or a tools file is invalid."})
  static final class Lint implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "The configuration file.")
    Path config;

    @Option(names = "--strict", description = "Warnings fail too.")
    boolean strict;

    @Option(names = "--tools", paramLabel = "[SERVER=]FILE",
        description = {"A tools/list result (JSON) to check rules against; repeatable.",
            "SERVER= when the file is one upstream's own list; without it, names must be Bastion's exposed <server>__<tool> names."})
    List<String> toolFiles = List.of();

    @Option(names = "--no-pins", description = "Do not read the pinned tool definitions from <data_dir>/pins.json.")
    boolean noPins;

    @Override
    public Integer call() {
      Loaded loaded = load(config, System.err);
      if (loaded == null) {
        return ExitCodes.INVALID;
      }
      ToolDefinitions tools;
      try {
        tools = toolDefinitions(loaded.config());
      } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
        System.err.println("bastion: " + e.getMessage());
        return ExitCodes.INVALID;
      }
      List<PolicyLint.Finding> findings = PolicyLint.lint(loaded.config(), loaded.policy(), tools);
      findings.forEach(f -> System.out.println(config + ": " + f.describe()));
      long errors = findings.stream().filter(f -> f.severity() == PolicyLint.Severity.ERROR).count();
      long warnings = findings.stream().filter(f -> f.severity() == PolicyLint.Severity.WARNING).count();
      System.out.println(errors + " errors, " + warnings + " warnings, " + (findings.size() - errors - warnings) + " notes");
      return errors > 0 || (strict && warnings > 0) ? ExitCodes.FAILED : ExitCodes.OK;
    }

    /** The pinned definitions (unless --no-pins), then each --tools file over them. */
    private ToolDefinitions toolDefinitions(BastionConfig c) {
      ToolDefinitions tools = ToolDefinitions.NONE;
      if (!noPins) {
        var pinned = PinnedDefinitions.read(c.dataDir());
        if (pinned.isPresent()) {
          tools = new ToolDefinitions("pins file " + PinnedDefinitions.file(c.dataDir()), pinned.get());
        }
      }
      JsonMapper json = JsonMapper.builder().build();
      for (String spec : toolFiles) {
        int eq = spec.indexOf('=');
        String server = eq > 0 && !spec.substring(0, eq).contains("/") ? spec.substring(0, eq) : null;
        Path file = Path.of(server == null ? spec : spec.substring(eq + 1));
        if (server != null && !c.upstreams().containsKey(server)) {
          throw new IllegalArgumentException("--tools " + spec + ": '" + server + "' is not a configured upstream " + c.upstreams().keySet());
        }
        tools = tools.merge(ToolDefinitions.fromToolsList(readJson(json, file), server, c.upstreams().keySet(), "--tools " + file));
      }
      return tools;
    }

    private static tools.jackson.databind.JsonNode readJson(JsonMapper json, Path file) {
      try {
        if (java.nio.file.Files.size(file) > 64L * 1024 * 1024) {
          throw new IllegalArgumentException(file + ": larger than 64 MiB");
        }
        return json.readTree(java.nio.file.Files.readAllBytes(file));
      } catch (IOException e) {
        throw new IllegalArgumentException(file + ": cannot read (" + e.getMessage() + ")", e);
      } catch (tools.jackson.core.JacksonException e) {
        throw new IllegalArgumentException(file + ": not valid JSON (" + e.getOriginalMessage() + ")", e);
      }
    }
  }
}
