package dev.bastion.mcp;

import static dev.bastion.testing.McpWire.obj;
import static org.assertj.core.api.Assertions.assertThat;

import dev.bastion.testing.GatewayExtension;
import dev.bastion.testing.McpWire;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Sessions and transport protections through a real gateway: a session belongs to the agent that
 * created it, DELETE ends it, the GET stream opens once per session, DNS rebinding and foreign
 * origins are refused by default, and requests without a valid credential get 401 with a challenge.
 */
class GatewaySessionsAndTransportTest {
  static final String ALICE = "alice-session-key";
  static final String BOB = "bob-session-key";

  @RegisterExtension
  static final GatewayExtension GW =
      GatewayExtension.builder()
          .demo("demo")
          .agent("alice", ALICE, "reader")
          .agent("bob", BOB, "reader")
          .allow("readers", "\"reader\" in agent.roles")
          .build();

  @Test
  void aSessionIsBoundToTheAgentThatCreatedIt() {
    McpWire alice = GW.wire(ALICE);
    alice.initialize();
    assertThat(alice.request("tools/list", obj("{}")).status()).isEqualTo(200);

    McpWire bob = GW.wire(BOB).withSession(alice.sessionId());
    McpWire.Reply stolen = bob.request("tools/list", obj("{}"));
    assertThat(stolen.status()).isEqualTo(404);
    assertThat(bob.getOnce(Map.of()).status()).as("GET with another agent's session").isEqualTo(404);
    assertThat(bob.delete().status()).as("DELETE with another agent's session").isEqualTo(404);

    assertThat(alice.request("tools/list", obj("{}")).status()).as("the owner's session survived").isEqualTo(200);
  }

  @Test
  void unknownSessionIdsAre404AndAMissingOneIs400() {
    McpWire alice = GW.wire(ALICE).withSession("0123456789abcdef0123456789abcdef");
    assertThat(alice.request("tools/list", obj("{}")).status()).isEqualTo(404);
    McpWire noSession = GW.wire(ALICE);
    assertThat(noSession.request("tools/list", obj("{}")).status()).isEqualTo(400);
  }

  @Test
  void deleteEndsTheSessionForGood() {
    McpWire alice = GW.wire(ALICE);
    alice.initialize();
    assertThat(alice.delete().status()).isEqualTo(200);
    assertThat(alice.request("tools/list", obj("{}")).status()).isEqualTo(404);
    assertThat(alice.delete().status()).isEqualTo(404);
  }

  @Test
  void theGetStreamOpensOncePerSessionAndIsRefusedToStatelessClients() {
    McpWire alice = GW.wire(ALICE);
    alice.initialize();
    try (McpWire.Stream stream = alice.openStream()) {
      assertThat(stream.status()).isEqualTo(200);
      assertThat(stream.header("content-type")).startsWith("text/event-stream");
      assertThat(alice.getOnce(Map.of()).status()).as("a second GET stream").isEqualTo(409);
    }
    McpWire.Reply stateless = alice.getOnce(Map.of("MCP-Protocol-Version", McpWire.STATELESS));
    assertThat(stateless.status()).isEqualTo(405);
    assertThat(stateless.header("allow")).isEqualTo("POST");
  }

  @Test
  void missingOrWrongCredentialsGet401WithAChallenge() {
    McpWire anonymous = GW.wire(null);
    McpWire.Reply none = anonymous.post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{}}", Map.of());
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.header("www-authenticate")).startsWith("Bearer");

    McpWire wrong = GW.wire("not-a-key");
    McpWire.Reply bad = wrong.post(McpWire.envelope(1, "initialize", obj("{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"x\",\"version\":\"1\"}}")).toString(), Map.of());
    assertThat(bad.status()).isEqualTo(401);
    assertThat(bad.header("www-authenticate")).startsWith("Bearer");
    assertThat(bad.body()).doesNotContain("not-a-key");

    McpWire.Reply statelessBad = wrong.stateless("tools/list", obj("{}"));
    assertThat(statelessBad.status()).isEqualTo(401);
    assertThat(statelessBad.header("www-authenticate")).startsWith("Bearer");

    assertThat(GW.wire(ALICE).stateless("tools/list", obj("{}")).status()).as("the benign twin").isEqualTo(200);
  }

  @Test
  void foreignOriginsAreRefusedAndLoopbackOnesAccepted() {
    McpWire alice = GW.wire(ALICE);
    String body = McpWire.statelessBody(1, "tools/list", obj("{}")).toString();
    Map<String, String> headers = McpWire.statelessHeaders("tools/list", obj("{}"));
    Map<String, String> evil = new java.util.HashMap<>(headers);
    evil.put("Origin", "https://evil.example");
    assertThat(alice.post(body, evil).status()).isEqualTo(403);
    Map<String, String> local = new java.util.HashMap<>(headers);
    local.put("Origin", "http://localhost:3000");
    assertThat(alice.post(body, local).status()).isEqualTo(200);
  }

  @Test
  void dnsRebindingHostHeadersAreRefusedByDefault() throws IOException {
    String rebound = rawPost("evil.example:" + GW.mcpUrl().getPort());
    assertThat(rebound).startsWith("HTTP/1.1 403");
    assertThat(rebound).contains("DNS rebinding");
    String loopback = rawPost("localhost:" + GW.mcpUrl().getPort());
    assertThat(loopback).startsWith("HTTP/1.1 200");
  }

  /** java.net.http cannot set Host, so this one request is written by hand over a socket. */
  private static String rawPost(String host) throws IOException {
    String body = McpWire.statelessBody(1, "tools/list", obj("{}")).toString();
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    String head =
        "POST /mcp HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: Bearer " + ALICE + "\r\nContent-Type: application/json\r\n"
            + "Accept: application/json, text/event-stream\r\nMCP-Protocol-Version: 2026-07-28\r\nMcp-Method: tools/list\r\n"
            + "Content-Length: " + bytes.length + "\r\nConnection: close\r\n\r\n";
    try (Socket socket = new Socket("127.0.0.1", GW.mcpUrl().getPort())) {
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      out.write(head.getBytes(StandardCharsets.US_ASCII));
      out.write(bytes);
      out.flush();
      InputStream in = socket.getInputStream();
      // read the head, then exactly Content-Length bytes (the server may keep the connection open)
      java.io.ByteArrayOutputStream head2 = new java.io.ByteArrayOutputStream();
      while (!head2.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
        int b = in.read();
        if (b < 0) {
          break;
        }
        head2.write(b);
      }
      String responseHead = head2.toString(StandardCharsets.US_ASCII);
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?im)^content-length:\\s*(\\d+)").matcher(responseHead);
      byte[] responseBody = m.find() ? in.readNBytes(Integer.parseInt(m.group(1))) : new byte[0];
      return responseHead + new String(responseBody, StandardCharsets.UTF_8);
    }
  }
}
