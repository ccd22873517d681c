package dev.bastion.policy;

import dev.bastion.config.PolicyConfig;
import dev.bastion.config.PolicyConfig.Effect;
import dev.bastion.config.PolicyConfig.Mode;
import dev.bastion.pipeline.Principal;
import dev.bastion.pipeline.Target;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * One policy decision against a 1,000-rule policy: 50 servers x 19 tools with one rule each that
 * names its server and tool (indexable), 40 rules keyed only by method, 6 rules scoped to a role or
 * agent id (skipped by their guards) and 4 global rules looked at for every call (destructive tools,
 * session labels, mail domain, call count) — all four are shapes the index decides without CEL
 * (annotation, label, argument and count conjuncts), so this request runs no CEL program at all. Mode.SampleTime times single invocations and
 * reports their distribution (p50, p99). {@code naive} evaluates all 1,000 rules, for contrast.
 * {@code control} is a negative control: a fixed amount of pure computation of about the same
 * median length that allocates nothing and touches no policy code, so whatever tail it shows comes
 * from the machine (descheduling, interrupts, other processes), not from the policy engine.
 * Run: {@code bench/jmh.sh PolicyDecision -prof gc}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 2)
// The launcher's collector and heap ceiling, with the heap touched up front: otherwise the first pass
// of allocation through a fresh heap page-faults (the kernel zeroes each new page), which put ~10% of
// samples at 15-80 µs and was the p90/p99 tail, not the policy engine.
@Fork(value = 2, jvmArgsAppend = {"-XX:+UseSerialGC", "-Xms384m", "-Xmx384m", "-XX:+AlwaysPreTouch"})
public class PolicyDecisionBench {
  private CompiledPolicy policy;
  private PolicyInput sendMail;

  @Setup
  public void setUp() {
    List<PolicyConfig.Rule> rules = new ArrayList<>();
    for (int s = 0; s < 50; s++) {
      for (int t = 0; t < 19; t++) {
        rules.add(rule("s" + s + "-t" + t, t % 7 == 0 ? Effect.DENY : Effect.ALLOW,
            "tool.server == 'server" + s + "' && tool.name == 'tool" + t + "' && 'role" + (t % 5) + "' in agent.roles"));
      }
    }
    for (int m = 0; m < 40; m++) {
      rules.add(rule("m" + m, Effect.ALLOW, "method == 'custom/method" + m + "' && 'admin' in agent.roles"));
    }
    for (int c = 0; c < 6; c++) { // scoped to a role or an agent the request does not have: skipped by their guards
      String when = switch (c % 3) {
        case 0 -> "'mailer" + c + "' in agent.roles && has(args.to) && !args.to.endsWith('@example.com')";
        case 1 -> "agent.id == 'night" + c + "' && request.time.getHours('UTC') >= 22";
        default -> "agent.id == 'x" + c + "' && tool.annotations.destructiveHint == true";
      };
      rules.add(rule("c" + c, Effect.DENY, when));
    }
    // global rules, evaluated for every call
    rules.add(rule("g-destructive", Effect.DENY, "tool.annotations.destructiveHint == true && !('ops' in agent.roles)"));
    rules.add(rule("g-labels", Effect.DENY, "'secret' in session.labels && tool.annotations.openWorldHint == true"));
    rules.add(rule("g-mail", Effect.DENY, "has(args.to) && !args.to.endsWith('@example.com')"));
    rules.add(rule("g-count", Effect.DENY, "session.call_count > 10000"));
    if (rules.size() != 1000) {
      throw new IllegalStateException("expected 1000 rules, got " + rules.size());
    }
    policy = switch (PolicyCompiler.compile(new PolicyConfig(Effect.DENY, rules))) {
      case CompiledPolicy p -> p;
      case PolicyErrors e -> throw new IllegalStateException(e.describe());
    };
    JsonMapper json = JsonMapper.builder().build();
    ObjectNode definition = (ObjectNode) json.readTree(
        "{\"name\":\"tool3\",\"description\":\"Send an e-mail\",\"annotations\":{\"destructiveHint\":false,\"openWorldHint\":true}}");
    Target target = new Target(Target.Kind.TOOL, "server17", "server17__tool3", "tool3", definition);
    ObjectNode params = (ObjectNode) json.readTree(
        "{\"name\":\"server17__tool3\",\"arguments\":{\"to\":\"bob@example.com\",\"subject\":\"Ticket 4711\",\"body\":\"Hello\"}}");
    Principal principal = new Principal("support-bot", List.of("role3", "support"), "alice", "jwt", Map.of("azp", "support-bot"));
    sendMail = new PolicyInput(principal, "tools/call", target, params,
        new SessionFacts("sess-1", 12, List.of("pii")), Instant.parse("2026-11-22T10:00:00Z"), "10.0.0.7");
    if (!(policy.decide(sendMail).decision() instanceof dev.bastion.pipeline.Decision.Allow)) {
      throw new IllegalStateException("the benchmark request should be allowed");
    }
  }

  private static PolicyConfig.Rule rule(String id, Effect effect, String when) {
    return new PolicyConfig.Rule(id, effect, when, Mode.ENFORCE, null, 0);
  }

  @Benchmark
  public PolicyEvaluation indexed() {
    return policy.decide(sendMail);
  }

  @Benchmark
  public void control() {
    Blackhole.consumeCPU(CONTROL_TOKENS);
  }

  /** Tokens of {@link Blackhole#consumeCPU} for a median close to {@code indexed}'s on the reference machine. */
  private static final long CONTROL_TOKENS = 2_000;

  @Benchmark
  public PolicyEvaluation naive() {
    return policy.decideWithoutIndex(sendMail);
  }
}
