package dev.bastion.flow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bastion.config.FlowConfig;
import dev.bastion.jsonrpc.JsonRpcMessage;
import dev.bastion.pipeline.Era;
import dev.bastion.pipeline.Exchange;
import dev.bastion.pipeline.ExchangeLog;
import dev.bastion.pipeline.Outcome;
import dev.bastion.pipeline.Principal;
import dev.bastion.pipeline.Target;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Measures the false-positive rate of the flow rules on benign scripted sessions, next to the naive
 * rule "the session read untrusted content, then made a consequential or outbound call: block"
 * (which a public study found would block about half of real sessions).
 *
 * <p>The sessions are generated from a fixed seed: office workflows that mix private documents,
 * untrusted web pages and inboxes, trusted directories, and a final action (mail, payment, pull
 * request, chat post). Most are benign by construction; one kind — sending one's own private notes
 * to an outside partner after browsing — is benign intent that the exfiltration rule cannot tell
 * from an attack, and is counted honestly as a false positive. The measured rates are printed.
 */
class FalsePositiveRateTest {
  static final JsonMapper JSON = JsonMapper.builder().build();
  static final int SESSIONS = 300;

  static final List<String> PRIVATE_DOCS = List.of(
      "Q1 planning: hire two support engineers in Porto, move the billing cut-over to the 14th, budget 240k.",
      "Incident review 2211: the cache node ran out of memory after the 3.4 rollout; fix merged, follow-up owner Sam.",
      "Board prep: revenue up 12 percent, churn flat at 3.1 percent, the Lisbon office lease renews in June.",
      "Offer letter draft for Priya Natarajan: senior engineer, start date 3 February, relocation support included.",
      "Customer escalation: Northwind reports duplicate invoices since the upgrade; credit note approved by finance.");
  static final List<String> PAGES = List.of(
      "Ten ways to run shorter meetings: share an agenda, timebox topics, end with owners and dates.",
      "Release notes 5.1: faster cold starts, a new export format, and a fix for the timezone bug in reports.",
      "City guide: the best lunch spots near the river, most open from noon and many with outdoor seating.",
      "Tutorial: structuring a pull request description with context, change summary and test notes.",
      "Conference schedule: keynote at 9, security track after lunch, closing panel on open source funding.");
  static final List<String> OWN_WORDS = List.of(
      "Thanks, looks good to me. Let's discuss on Thursday.",
      "Could you send me the latest figures when you have a moment?",
      "Reminder: the team lunch moved to Friday.",
      "Quick update: I am on it and will report back tomorrow.");

  private final FlowConfig config = new FlowConfig(true, Map.of(
      "docs", new FlowConfig.ServerLabels(new FlowConfig.LabelSpec("private", null, null, null), Map.of(), Map.of())),
      List.of("example.com"), FlowConfig.Rules.DEFAULT, 4096, 1000, Duration.ofMinutes(5));

  enum Kind { PUBLIC_OUT, PRIVATE_INTERNAL, OWN_WORDS_OUT, TRUSTED_PAYMENT, PULL_REQUEST, PRIVATE_TO_PARTNER }

  @Test
  void flowRulesBlockFarFewerBenignSessionsThanTheNaiveRule() {
    Random random = new Random(20261130L);
    int flowBlocked = 0;
    int naiveBlocked = 0;
    int unavoidable = 0;
    for (int i = 0; i < SESSIONS; i++) {
      FlowStage stage = new FlowStage(config, new FlowSessions(100, Duration.ofMinutes(5)));
      Kind kind = random.nextInt(100) < 5 ? Kind.PRIVATE_TO_PARTNER : Kind.values()[random.nextInt(Kind.values().length - 1)];
      String doc = PRIVATE_DOCS.get(random.nextInt(PRIVATE_DOCS.size()));
      String page = PAGES.get(random.nextInt(PAGES.size()));
      List<Outcome> outcomes = new ArrayList<>();
      boolean readUntrusted = false;
      if (random.nextBoolean()) {
        outcomes.add(call(stage, "docs", "read_doc", false, false, args("id", "d" + i), doc));
      }
      outcomes.add(call(stage, "web", "fetch", true, true, args("url", "https://site" + i + ".example.org/"), page));
      readUntrusted = true;
      if (kind == Kind.PRIVATE_INTERNAL || kind == Kind.PRIVATE_TO_PARTNER) {
        outcomes.add(call(stage, "docs", "read_doc", false, false, args("id", "p" + i), doc));
      }
      Outcome last = switch (kind) {
        case PUBLIC_OUT -> call(stage, "mail", "send", false, true,
            args("to", "friend" + i + "@partner.example.net", "body", "Worth reading: " + excerpt(page, random)), "sent");
        case PRIVATE_INTERNAL -> call(stage, "mail", "send", false, true,
            args("to", "team" + i + "@example.com", "body", "Summary: " + excerpt(doc, random)), "sent");
        case OWN_WORDS_OUT -> call(stage, "chat", "post", false, true,
            args("channel", "https://chat.partner.example.net/c/general", "text", OWN_WORDS.get(random.nextInt(OWN_WORDS.size()))), "posted");
        case TRUSTED_PAYMENT -> {
          call(stage, "erp", "vendors", true, false, args("q", "acme"), "Acme Ltd IBAN GB82WEST12345698765432");
          yield call(stage, "erp", "pay", false, false, args("account", "GB82WEST12345698765432", "amount", "120"), "paid");
        }
        case PULL_REQUEST -> call(stage, "git", "create_pr", false, true,
            args("repo", "acme/site", "body", "Fixes the typo reported in the issue. " + excerpt(page, random)), "opened");
        case PRIVATE_TO_PARTNER -> call(stage, "mail", "send", false, true,
            args("to", "partner" + i + "@agency.example.net", "body", "As discussed: " + excerpt(doc, random)), "sent");
      };
      boolean naive = readUntrusted; // every final action above is consequential or outbound
      naiveBlocked += naive ? 1 : 0;
      if (last instanceof Outcome.Failure) {
        flowBlocked++;
        if (kind == Kind.PRIVATE_TO_PARTNER) {
          unavoidable++;
        }
      }
      assertThat(outcomes).allMatch(o -> o instanceof Outcome.Success);
    }
    double flowRate = (double) flowBlocked / SESSIONS;
    double naiveRate = (double) naiveBlocked / SESSIONS;
    System.out.printf("flow false-positive rate: %.1f%% (%d of %d benign sessions; %d of them send private notes outside after browsing)%n",
        100 * flowRate, flowBlocked, SESSIONS, unavoidable);
    System.out.printf("naive 'untrusted then sensitive action' rule: %.1f%%%n", 100 * naiveRate);
    assertThat(flowBlocked).isEqualTo(unavoidable); // nothing else is blocked
    assertThat(flowRate).isLessThan(0.10);
    assertThat(naiveRate).isGreaterThan(0.9);
  }

  static String excerpt(String text, Random random) {
    String[] words = text.split(" ");
    int from = random.nextInt(Math.max(1, words.length / 3));
    int to = Math.min(words.length, from + 8 + random.nextInt(6));
    return String.join(" ", java.util.Arrays.copyOfRange(words, from, to));
  }

  static ObjectNode args(String... kv) {
    ObjectNode o = JSON.createObjectNode();
    for (int i = 0; i + 1 < kv.length; i += 2) {
      o.put(kv[i], kv[i + 1]);
    }
    return o;
  }

  private int ids;

  Outcome call(FlowStage stage, String server, String tool, boolean readOnly, boolean openWorld, ObjectNode arguments, String output) {
    ObjectNode params = JSON.createObjectNode().put("name", server + "__" + tool);
    params.set("arguments", arguments);
    ObjectNode definition = JSON.createObjectNode().put("name", tool);
    definition.putObject("annotations").put("readOnlyHint", readOnly).put("openWorldHint", openWorld);
    Exchange ex = new Exchange("e" + (++ids), Instant.now(), Era.STATELESS, "2026-07-28", "127.0.0.1", Exchange.Credential.NONE,
        Principal.agent("fp", List.of(), "api_key"), null, new JsonRpcMessage.Request(JSON.getNodeFactory().numberNode(ids), "tools/call", params),
        new Target(Target.Kind.TOOL, server, server + "__" + tool, tool, definition), Exchange.NotificationSink.DISCARD, new ExchangeLog());
    return stage.handle(ex, e -> {
      ObjectNode result = JSON.createObjectNode();
      result.putArray("content").addObject().put("type", "text").put("text", output);
      return new Outcome.Success(result);
    });
  }
}
