package dev.bastion.federation;

import static dev.bastion.testing.McpWire.obj;
import static org.assertj.core.api.Assertions.assertThat;

import dev.bastion.testing.GatewayExtension;
import dev.bastion.testing.McpWire;
import dev.bastion.testing.TroubleServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * An upstream's {@code notifications/tools/list_changed} refreshes its part of the catalog and
 * reaches every connected agent: legacy sessions on their GET stream, stateless agents on their
 * {@code subscriptions/listen} stream; the next listing has the new tool.
 */
class ListChangedPropagationTest {
  static final String KEY = "list-changed-key";

  @RegisterExtension
  final GatewayExtension gw =
      GatewayExtension.builder()
          .stdio("trouble", TroubleServer.class, "10s")
          .agent("alice", KEY, "reader")
          .allow("readers", "\"reader\" in agent.roles")
          .build();

  @Test
  void anUpstreamsListChangedReachesAgentsOfBothErasAfterTheCatalogWasRefreshed() {
    McpWire legacy = gw.wire(KEY);
    legacy.initialize();
    McpWire stateless = gw.wire(KEY);
    try (McpWire.Stream get = legacy.openStream();
        McpWire.Stream listen =
            stateless.statelessStreaming(3, "subscriptions/listen", obj("{\"notifications\":{\"toolsListChanged\":true,\"promptsListChanged\":false}}"))) {
      assertThat(get.status()).isEqualTo(200);
      JsonNode ack = listen.next();
      assertThat(ack.path("method").asString()).isEqualTo("notifications/subscriptions/acknowledged");
      assertThat(ack.path("params").path("notifications").path("promptsListChanged").asBoolean()).isFalse();
      assertThat(tools(stateless)).doesNotContain("trouble__added");

      assertThat(stateless.stateless("tools/call", obj("{\"name\":\"trouble__add_tool\",\"arguments\":{}}")).status()).isEqualTo(200);

      assertThat(get.next(n -> n.path("method").asString().equals("notifications/tools/list_changed"))).isNotNull();
      JsonNode changed = listen.next();
      assertThat(changed.path("method").asString()).as("only the kinds subscribed to").isEqualTo("notifications/tools/list_changed");
      // the notification is sent after the refresh, so the very next listing has the tool
      assertThat(tools(stateless)).contains("trouble__added");
      assertThat(legacy.request("tools/list", obj("{}")).result().toString()).contains("trouble__added");
    }
  }

  private static java.util.List<String> tools(McpWire wire) {
    return wire.stateless("tools/list", obj("{}")).result().get("tools").valueStream().map(t -> t.path("name").asString()).toList();
  }
}
