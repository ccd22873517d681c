package dev.bastion.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SessionInFlightTest {
  private final Session session = new Session("s1", "agent", "2025-11-25", System.nanoTime());
  private final List<String> cancelled = new ArrayList<>();

  @Test
  void theEndOfOneRequestLeavesAnotherRequestsCancelUnderTheSameIdInPlace() {
    Runnable first = () -> cancelled.add("first");
    Runnable second = () -> cancelled.add("second");
    session.registerInFlight("7", first);
    session.registerInFlight("7", second); // the agent reused an id while the first was in flight

    session.unregisterInFlight("7", first);

    assertThat(session.cancel("7")).isTrue();
    assertThat(cancelled).containsExactly("second");
  }

  @Test
  void aRequestThatEndedCanNoLongerBeCancelled() {
    Runnable only = () -> cancelled.add("only");
    session.registerInFlight("7", only);

    session.unregisterInFlight("7", only);

    assertThat(session.cancel("7")).isFalse();
    assertThat(cancelled).isEmpty();
  }
}
