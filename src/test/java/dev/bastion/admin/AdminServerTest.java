package dev.bastion.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/** The /readyz body: every check with its detail or reason, and the names of those not ready. */
class AdminServerTest {

  static Readiness check(String name, Readiness.Status status) {
    return new Readiness() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public Status status() {
        return status;
      }
    };
  }

  @Test
  void notReadyListsWhatIsNotReady() {
    AdminServer admin =
        new AdminServer(() -> List.of(
            check("config", new Readiness.Status.Ready("2 upstreams")),
            check("upstream:web", new Readiness.Status.NotReady("failed")),
            check("audit", new Readiness.Status.NotReady("audit_unavailable: disk full"))));
    ObjectNode body = admin.readiness();
    assertThat(body.path("ready").asBoolean()).isFalse();
    assertThat(body.path("not_ready").valueStream().map(n -> n.asString()).toList()).containsExactly("upstream:web", "audit");
    assertThat(body.path("checks").path("upstream:web").path("reason").asString()).isEqualTo("failed");
    assertThat(body.path("checks").path("config").path("detail").asString()).isEqualTo("2 upstreams");
  }

  @Test
  void allReadyHasAnEmptyList() {
    ObjectNode body = new AdminServer(() -> List.of(check("config", new Readiness.Status.Ready("")))).readiness();
    assertThat(body.path("ready").asBoolean()).isTrue();
    assertThat(body.path("not_ready")).isEmpty();
  }
}
