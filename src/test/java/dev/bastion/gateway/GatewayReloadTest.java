package dev.bastion.gateway;

import static dev.bastion.testing.McpWire.obj;
import static org.assertj.core.api.Assertions.assertThat;

import dev.bastion.config.ConfigResult;
import dev.bastion.testing.GatewayExtension;
import dev.bastion.testing.McpWire;
import dev.bastion.testing.TroubleServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * Hot reload of a running gateway: a new upstream is started, listed and announced to connected
 * agents of both eras; a configuration that fails the checks is refused whole while the running one
 * keeps serving; a policy change applies to the next call.
 */
class GatewayReloadTest {
  static final String KEY = "reload-key";

  @RegisterExtension
  final GatewayExtension gw =
      GatewayExtension.builder()
          .demo("demo")
          .agent("alice", KEY, "reader")
          .allow("readers", "\"reader\" in agent.roles")
          .build();

  @Test
  void aNewUpstreamIsListedAndEveryConnectedAgentIsToldItsListsChanged() throws Exception {
    McpWire legacy = gw.wire(KEY);
    legacy.initialize();
    McpWire stateless = gw.wire(KEY);
    try (McpWire.Stream get = legacy.openStream();
        McpWire.Stream listen = stateless.statelessStreaming(9, "subscriptions/listen", obj("{\"notifications\":{\"toolsListChanged\":true}}"))) {
      assertThat(get.status()).isEqualTo(200);
      assertThat(listen.next().path("method").asString()).isEqualTo("notifications/subscriptions/acknowledged");
      assertThat(tools(stateless)).doesNotContain("trouble__echo");

      ConfigResult result = gw.reload(b -> b.stdio("trouble", TroubleServer.class, "10s"));
      assertThat(result).isInstanceOf(ConfigResult.Ok.class);

      assertThat(get.next().path("method").asString()).isEqualTo("notifications/tools/list_changed");
      JsonNode changed = listen.next();
      assertThat(changed.path("method").asString()).isEqualTo("notifications/tools/list_changed");
      assertThat(changed.path("params").path("_meta").path("io.modelcontextprotocol/subscriptionId").asLong()).isEqualTo(9);
      assertThat(tools(stateless)).contains("trouble__echo", "demo__echo");
      assertThat(stateless.stateless("tools/call", obj("{\"name\":\"trouble__echo\",\"arguments\":{\"message\":\"new\"}}")).result().toString()).contains("new");
      assertThat(legacy.request("tools/call", obj("{\"name\":\"demo__echo\",\"arguments\":{\"message\":\"session kept\"}}")).result().toString()).contains("session kept");

      // removing an upstream is announced the same way and its names stop resolving
      assertThat(gw.reload(b -> b.removeUpstream("demo"))).isInstanceOf(ConfigResult.Ok.class);
      assertThat(get.next(n -> n.path("method").asString().equals("notifications/tools/list_changed"))).isNotNull();
      assertThat(listen.next().path("method").asString()).isEqualTo("notifications/tools/list_changed");
      assertThat(tools(stateless)).contains("trouble__echo").noneMatch(t -> t.startsWith("demo__"));
      assertThat(stateless.stateless("tools/call", obj("{\"name\":\"demo__echo\",\"arguments\":{\"message\":\"gone\"}}")).error().get("message").asString())
          .contains("unknown tool");
    }
  }

  @Test
  void aConfigurationThatFailsTheChecksIsRefusedAndTheRunningOneKeepsServing() throws Exception {
    McpWire alice = gw.wire(KEY);
    ConfigResult result =
        gw.reload(b -> b.stdio("trouble", TroubleServer.class, "10s").rule("{ id: broken, effect: allow, when: 'agent.roles +* 1' }"));
    assertThat(result).isInstanceOf(ConfigResult.Invalid.class);
    assertThat(((ConfigResult.Invalid) result).errors().toString()).contains("broken");

    assertThat(tools(alice)).as("the refused file's upstream was not started").doesNotContain("trouble__echo").contains("demo__echo");
    assertThat(alice.stateless("tools/call", obj("{\"name\":\"demo__echo\",\"arguments\":{\"message\":\"old config\"}}")).result().toString()).contains("old config");

    // an upstream name that cannot serve as a prefix is refused the same way
    assertThat(gw.reload(b -> b.demo("de__mo"))).isInstanceOf(ConfigResult.Invalid.class);
    assertThat(tools(alice)).noneMatch(t -> t.startsWith("de__mo"));

    // and the refusals left nothing behind: a good change still applies
    assertThat(gw.reload(b -> b.stdio("trouble", TroubleServer.class, "10s"))).isInstanceOf(ConfigResult.Ok.class);
    assertThat(tools(alice)).contains("trouble__echo", "demo__echo");
  }

  @Test
  void aPolicyChangeAppliesToTheNextCall() throws Exception {
    McpWire alice = gw.wire(KEY);
    assertThat(alice.stateless("tools/call", obj("{\"name\":\"demo__echo\",\"arguments\":{\"message\":\"allowed\"}}")).status()).isEqualTo(200);
    assertThat(gw.reload(b -> b.rule("{ id: no-echo, effect: deny, when: 'tool.exposed_name == \"demo__echo\"' }"))).isInstanceOf(ConfigResult.Ok.class);
    McpWire.Reply denied = alice.stateless("tools/call", obj("{\"name\":\"demo__echo\",\"arguments\":{\"message\":\"denied\"}}"));
    assertThat(denied.message().has("error")).as("denied after the reload: %s", denied).isTrue();
  }

  @Test
  void closingTheGatewayEndsOpenStreamsPromptly() {
    McpWire legacy = gw.wire(KEY);
    legacy.initialize();
    McpWire stateless = gw.wire(KEY);
    try (McpWire.Stream get = legacy.openStream();
        McpWire.Stream listen = stateless.statelessStreaming(4, "subscriptions/listen", obj("{\"notifications\":{\"toolsListChanged\":true}}"))) {
      assertThat(get.status()).isEqualTo(200);
      assertThat(listen.next().path("method").asString()).isEqualTo("notifications/subscriptions/acknowledged");
      gw.stop();
      get.awaitEnd();
      java.util.List<JsonNode> last = listen.awaitEnd();
      assertThat(last).as("the subscription ends with its response").anySatisfy(n -> assertThat(n.path("id").asLong()).isEqualTo(4));
    }
  }

  private static java.util.List<String> tools(McpWire wire) {
    return wire.stateless("tools/list", obj("{}")).result().get("tools").valueStream().map(t -> t.path("name").asString()).toList();
  }
}
