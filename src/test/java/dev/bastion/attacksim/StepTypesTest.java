package dev.bastion.attacksim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The runner's step types and server behaviours can fail: scenarios written with a wrong
 * expectation (a grant that is too wide, a status the gateway does not answer, a server request
 * that never happens, a truncation that does not occur) are reported as missed, each with its own
 * reason — so a passing catalogue means something.
 */
class StepTypesTest {

  private static final String WRONG = """
      - id: X-01
        category: X
        defence: policy
        agents: { x01-narrow: [narrow] }
        policy:
          - { id: x01-too-wide, effect: allow, when: 'agent.id == "x01-narrow"' }
        tools:
          - { server: good, name: x01_admin, description: Administers., returns: "done" }
        attack:
          - { call: good__x01_admin, as: x01-narrow, args: {}, expect: blocked }
        benign:
          - http:
              headers: { MCP-Protocol-Version: "2026-07-28", Mcp-Method: tools/call, Mcp-Name: good__x01_admin }
              body: '{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "good__x01_admin"'
              status: 200
      - id: X-02
        category: X
        defence: protocol
        tools:
          - server: evil
            name: x02_plain
            description: Answers plainly.
            returns: "plain answer"
            behaviour: { repeat: 3 }
        attack:
          - { call: evil__x02_plain, args: {}, server_requests_refused: true }
        benign:
          - { call: evil__x02_plain, args: {}, response_contains: "TRUNCATED", response_max_chars: 5 }
      - id: X-03
        category: X
        defence: protocol
        tools:
          - { server: good, name: x03_noop, description: No operation., returns: "ok" }
        attack:
          - { call: good__x03_noop, args: {}, expect: refused }
        benign:
          - http: { method: GET, path: /nowhere, auth: none, status: 200 }
      """;

  @Test
  void wrongExpectationsOfEveryStepTypeAreReportedAsMissed() throws Exception {
    List<Scenario> scenarios = ScenarioLoader.parse(WRONG, "wrong.yaml");
    Scorecard card = new AttackSim(AttackSimTest.example(), Set.of("policy", "protocol"), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))
        .run(scenarios);
    String text = card.text();
    assertThat(card.allExpectationsMet()).as(text).isFalse();
    assertThat(card.overall().blocked()).as(text).isZero();
    assertThat(card.overall().passed()).as(text).isZero();
    // a scenario agent's grant that is too wide lets the admin call through
    assertThat(text).contains("MISSED X-01 attack: step 1 (good__x01_admin): expected the call to be stopped; it reached the tool");
    // a malformed raw body is answered 400 -32700, not 200
    assertThat(text).contains("MISSED X-01 benign: step 1 (POST /mcp): expected HTTP status [200], got HTTP 400");
    // the plain server sends the gateway no request
    assertThat(text).contains("MISSED X-02 attack: step 1 (evil__x02_plain): expected the test server to send the gateway a request during the step; it sent none");
    // a short answer is neither truncated nor within 5 characters
    assertThat(text).contains("MISSED X-02 benign: step 1 (evil__x02_plain): the agent did not receive TRUNCATED (got plain answerplain answerplain answer)");
    // an answer that is delivered is not refused
    assertThat(text).contains("MISSED X-03 attack: step 1 (good__x03_noop): expected the tool's answer to be refused; the agent got it");
    assertThat(text).contains("MISSED X-03 benign: step 1 (GET /nowhere): expected HTTP status [200], got HTTP 404");
  }

  @Test
  void theFormatRejectsWhatItCannotPlay() {
    assertThatThrownBy(() -> ScenarioLoader.parse("""
        - id: X-09
          category: X
          defence: policy
          agents: { attack-sim: [admin] }
          attack: [ { call: good__x } ]
          benign: [ { call: good__x } ]
        """, "bad.yaml")).hasMessageContaining("bad.yaml X-09: agent name attack-sim is reserved");
    assertThatThrownBy(() -> ScenarioLoader.parse("""
        - id: X-10
          category: X
          defence: policy
          attack: [ { call: good__x, expect: maybe } ]
          benign: [ { call: good__x } ]
        """, "bad.yaml")).hasMessageContaining("expect must be allowed, blocked or refused, got maybe");
  }
}
