package dev.bastion.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.bastion.policy.CompiledPolicy;
import org.junit.jupiter.api.Test;

/** The start-up warm-up: its parts really exercise the libraries, and the waits end once it is over. */
class StartupWarmupTest {

  @Test
  void theWarmUpPolicyCompiles() {
    // a warm-up rule that stopped compiling would warm only the error path
    assertThat(StartupWarmup.policyCompiler()).isInstanceOf(CompiledPolicy.class);
  }

  @Test
  void theHelidonPartRunsWithoutAServer() {
    assertThatCode(StartupWarmup::helidon).doesNotThrowAnyException();
  }

  @Test
  void onlyTheGatewayCommandsBeginIt() {
    assertThat(StartupWarmup.startsGateway("demo", "--port", "0")).isTrue();
    assertThat(StartupWarmup.startsGateway("serve", "--config", "x.yaml")).isTrue();
    assertThat(StartupWarmup.startsGateway("version")).isFalse();
    assertThat(StartupWarmup.startsGateway("config", "check")).isFalse();
    assertThat(StartupWarmup.startsGateway()).isFalse();
    assertThat(StartupWarmup.startsGateway("demo", "--help")).as("help starts no gateway").isFalse();
    assertThat(StartupWarmup.startsGateway("serve", "-V")).isFalse();
  }

  @Test
  void theWaitsReturnOnceTheWarmUpIsOver() {
    // awaitPolicy releases the warm-up's wait for a main-thread part nobody ran (else it would wait its 60 s bound)
    org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(45), () -> {
      StartupWarmup.begin();
      StartupWarmup.begin(); // once per process
      StartupWarmup.awaitHelidon();
      StartupWarmup.awaitPolicy();
    });
    assertThat(StartupWarmup.over()).isTrue();
  }

  @Test
  void theMainThreadsPartRunsOnTheCallerAndAFailureStaysThere() {
    Thread caller = Thread.currentThread();
    java.util.concurrent.atomic.AtomicReference<Thread> ranOn = new java.util.concurrent.atomic.AtomicReference<>();
    StartupWarmup.meanwhile(() -> ranOn.set(Thread.currentThread()));
    assertThat(ranOn.get()).isSameAs(caller);
    assertThatCode(() -> StartupWarmup.meanwhile(() -> {
      throw new IllegalStateException("broken part");
    })).doesNotThrowAnyException();
    assertThatCode(dev.bastion.inspect.Inspector::prepare).doesNotThrowAnyException();
  }
}
