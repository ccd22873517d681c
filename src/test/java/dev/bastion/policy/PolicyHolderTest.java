package dev.bastion.policy;

import static dev.bastion.policy.Fixtures.agent;
import static dev.bastion.policy.Fixtures.call;
import static dev.bastion.policy.Fixtures.policy;
import static dev.bastion.policy.Fixtures.rule;
import static dev.bastion.policy.Fixtures.tool;
import static org.assertj.core.api.Assertions.assertThat;

import dev.bastion.config.PolicyConfig.Effect;
import dev.bastion.pipeline.Decision;
import dev.bastion.pipeline.Target;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class PolicyHolderTest {

  private final Target readTicket = tool("tickets", "read_ticket", null);

  @Test
  void aReloadThatFailsToCompileKeepsThePolicyInForce() {
    PolicyHolder holder = ((PolicyHolder.Loaded.Ready) PolicyHolder.load(policy(Effect.DENY, rule("read", Effect.ALLOW, "tool.name == 'read_ticket'")))).holder();
    CompiledPolicy before = holder.current();

    PolicyCompilation result = holder.reload(policy(Effect.DENY, rule("broken", Effect.ALLOW, "tool.name ==")));

    assertThat(result).isInstanceOf(PolicyErrors.class);
    assertThat(holder.current()).isSameAs(before);
  }

  @Test
  void aReloadThatCompilesTakesEffect() {
    PolicyHolder holder = PolicyHolder.of(Fixtures.compiled(Effect.DENY));

    holder.reload(policy(Effect.DENY, rule("read", Effect.ALLOW, "tool.name == 'read_ticket'")));

    assertThat(holder.current().decide(call(agent("a"), readTicket, "{}")).decision()).isEqualTo(new Decision.Allow(List.of("read")));
  }

  @Test
  void aFirstLoadThatFailsReportsItsErrors() {
    assertThat(PolicyHolder.load(policy(Effect.DENY, rule("x", Effect.ALLOW, "1"))))
        .isInstanceOfSatisfying(PolicyHolder.Loaded.Failed.class, f -> assertThat(f.errors().errors()).hasSize(1));
  }

  @Test
  void oneCompiledPolicyDecidesConsistentlyFromManyThreadsAtOnce() throws Exception {
    CompiledPolicy shared = Fixtures.compiled(Effect.DENY,
        rule("small", Effect.ALLOW, "args.n < 500"),
        rule("odd", Effect.DENY, "args.n % 2 == 1"));
    List<Future<Boolean>> results = new ArrayList<>();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < 2000; i++) {
        int n = i % 1000;
        results.add(pool.submit(() -> {
          Decision d = shared.decide(call(agent("a"), readTicket, "{\"n\":" + n + "}")).decision();
          String expected = n % 2 == 1 ? "deny" : n < 500 ? "allow" : "deny";
          return CompiledPolicy.kind(d).equals(expected);
        }));
      }
    }
    for (Future<Boolean> r : results) {
      assertThat(r.get()).isTrue();
    }
  }
}
