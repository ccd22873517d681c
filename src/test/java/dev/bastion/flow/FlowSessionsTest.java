package dev.bastion.flow;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class FlowSessionsTest {

  @Test
  void aSignedKeyFindsItsSessionOnlyForTheAgentItWasIssuedTo() {
    FlowSessions sessions = new FlowSessions(100, Duration.ofMinutes(5));
    FlowSessions.Resolved first = sessions.resolve("alice", null, FlowSessions.NEW);
    assertThat(first.keyToReturn()).startsWith("fs1.");
    FlowSessions.Resolved again = sessions.resolve("alice", null, first.keyToReturn());
    assertThat(again.state()).isSameAs(first.state());
    FlowSessions.Resolved stolen = sessions.resolve("mallory", null, first.keyToReturn());
    assertThat(stolen.state()).isNotSameAs(first.state());
    assertThat(stolen.state().labels()).containsExactly("untrusted");
  }

  @Test
  void forgedKeysGetAFreshSessionOfUnknownHistory() {
    FlowSessions sessions = new FlowSessions(100, Duration.ofMinutes(5));
    FlowSessions.Resolved r = sessions.resolve("alice", null, "fs1.AAAA.BBBB");
    assertThat(r.state().labels()).isEqualTo(List.of("untrusted"));
    assertThat(r.keyToReturn()).startsWith("fs1.");
  }

  @Test
  void keylessStatelessCallsShareTheAgentsAmbientSessionAndLegacySessionsTheirOwn() {
    FlowSessions sessions = new FlowSessions(100, Duration.ofMinutes(5));
    assertThat(sessions.resolve("alice", null, null).state()).isSameAs(sessions.resolve("alice", null, null).state());
    assertThat(sessions.resolve("alice", null, null).state()).isNotSameAs(sessions.resolve("bob", null, null).state());
    assertThat(sessions.resolve("alice", "s1", null).state()).isSameAs(sessions.resolve("alice", "s1", null).state());
    assertThat(sessions.resolve("alice", null, null).keyToReturn()).isNull();
  }

  @Test
  void boundedLeastRecentlyUsedFirst() {
    FlowSessions sessions = new FlowSessions(2, Duration.ofMinutes(5));
    sessions.resolve("a", null, null);
    sessions.resolve("b", null, null);
    sessions.resolve("c", null, null);
    assertThat(sessions.size()).isEqualTo(2);
  }
}
