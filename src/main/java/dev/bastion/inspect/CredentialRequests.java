package dev.bastion.inspect;

import com.google.re2j.Pattern;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The detector for server requests that ask the user for credentials: an elicitation whose message
 * or requested schema (property names, titles, descriptions, {@code format: password}, {@code
 * writeOnly}) asks for a password, an API key, an access token, a secret, a private key or seed
 * phrase, or a payment card number. The MCP specification forbids servers to request sensitive
 * information through form elicitation; an upstream that does is phishing through the agent's user.
 *
 * <p>Text is canonicalised first ({@link Canonicalizer}: NFKC, invisible characters and escapes
 * removed, confusables folded) so {@code pass\u200bword} or a Cyrillic {@code р} does not hide a
 * request. Patterns are RE2 (linear time). Words are whole words: "tokens" (a count), "keyboard",
 * "keynote", "passport" and "password-free" phrasing such as "choose a colour" or "your email for
 * notifications" do not match.
 *
 * <p>Returns detector ids ({@code elicit_password}, {@code elicit_api_key}, {@code elicit_token},
 * {@code elicit_secret}, {@code elicit_private_key}, {@code elicit_card_number}) with the JSON
 * pointer of the field that asked; never the text itself.
 */
public final class CredentialRequests {
  /** The category of these findings. */
  public static final String CATEGORY = "credential_request";

  private static final Map<String, Pattern> RULES = new LinkedHashMap<>();

  static {
    int f = Pattern.CASE_INSENSITIVE;
    RULES.put("elicit_password", Pattern.compile(
        "\\b(pass ?words?|passwd|pwd|pass ?phrases?|pass ?codes?|pin (?:code|number)|(?:your|account|bank|card|sim) pin)\\b", f));
    RULES.put("elicit_api_key", Pattern.compile(
        "\\b(api[ -]?keys?|apikeys?|access[ -]?keys?(?:[ -]?ids?)?|secret[ -]?access[ -]?keys?|license[ -]?keys?|signing[ -]?keys?"
            + "|(?:openai|anthropic|aws|gcp|azure|stripe|github|gitlab|slack|npm|pypi) keys?)\\b", f));
    RULES.put("elicit_token", Pattern.compile(
        "\\b((?:access|auth|authentication|bearer|refresh|session|personal[ -]access|api|oauth|id|github|gitlab|slack|npm|pypi|bot|security)[ -]?tokens?"
            + "|tokens? (?:for|to) (?:authenticat|log ?in|sign ?in|access)\\w*|^tokens?$|one[ -]time (?:pass ?codes?|codes?)|otp|2fa codes?|mfa codes?"
            + "|verification codes?|authenticator codes?)\\b", f));
    RULES.put("elicit_secret", Pattern.compile(
        "\\b(client[ -]?secrets?|shared[ -]?secrets?|secret[ -]?keys?|secret values?|your secrets?|the secret|^secrets?$|credentials?"
            + "|connection strings?|security answers?|answer to (?:your|the) security question)\\b", f));
    RULES.put("elicit_private_key", Pattern.compile(
        "\\b(private[ -]?keys?|ssh[ -]?keys?|pgp[ -]?keys?|gpg[ -]?keys?|seed[ -]?phrases?|recovery[ -]?phrases?|mnemonic(?: phrase)?s?"
            + "|wallet (?:seed|words)|secret recovery)\\b", f));
    RULES.put("elicit_card_number", Pattern.compile(
        "\\b((?:credit|debit|payment|bank)[ -]?card(?: numbers?| details)?|card[ -]?numbers?|cvv2?|cvc2?|card security codes?"
            + "|security codes? (?:on|from) (?:the|your) card|expiry dates? (?:of|on) (?:the|your) card)\\b", f));
  }

  /** One detector match: which detector, at which field. */
  public record Match(String detector, String location) {}

  private CredentialRequests() {}

  /**
   * Checks an elicitation request's {@code params}.
   *
   * @param location JSON pointer of {@code params} in the message (e.g. {@code /params})
   */
  public static List<Match> inElicitation(JsonNode params, String location) {
    List<Match> out = new ArrayList<>();
    if (params == null || !params.isObject()) {
      return out;
    }
    text(params.get("message"), location + "/message", out);
    JsonNode schema = params.get("requestedSchema");
    if (schema != null && schema.isObject()) {
      text(schema.get("title"), location + "/requestedSchema/title", out);
      text(schema.get("description"), location + "/requestedSchema/description", out);
      JsonNode props = schema.get("properties");
      if (props != null && props.isObject()) {
        for (Map.Entry<String, JsonNode> p : props.properties()) {
          String at = location + "/requestedSchema/properties/" + pointerEscape(p.getKey());
          check(words(p.getKey()), at, out);
          JsonNode def = p.getValue();
          if (def != null && def.isObject()) {
            text(def.get("title"), at + "/title", out);
            text(def.get("description"), at + "/description", out);
            if ("password".equalsIgnoreCase(def.path("format").asString("")) || def.path("writeOnly").asBoolean(false)) {
              add(out, "elicit_password", at + "/format");
            }
          }
        }
      }
    }
    return out;
  }

  /** Checks one free text (e.g. a URL-mode elicitation's message). */
  static List<Match> inText(String text, String location) {
    List<Match> out = new ArrayList<>();
    check(text, location, out);
    return out;
  }

  private static void text(JsonNode node, String location, List<Match> out) {
    if (node != null && node.isString()) {
      check(node.asString(), location, out);
    }
  }

  private static void check(String raw, String location, List<Match> out) {
    if (raw == null || raw.isEmpty()) {
      return;
    }
    String text = Canonicalizer.canonicalize(raw).text().trim();
    for (Map.Entry<String, Pattern> rule : RULES.entrySet()) {
      if (rule.getValue().matcher(text).find()) {
        add(out, rule.getKey(), location);
      }
    }
  }

  private static void add(List<Match> out, String detector, String location) {
    Match m = new Match(detector, location);
    if (!out.contains(m)) {
      out.add(m);
    }
  }

  /** A property name as words: {@code apiKey}, {@code api_key}, {@code API-KEY} all become {@code api key}. */
  static String words(String name) {
    String spaced = name.replaceAll("([a-z0-9])([A-Z])", "$1 $2").replaceAll("[_\\-.\\s/]+", " ");
    return spaced.toLowerCase(Locale.ROOT).trim();
  }

  private static String pointerEscape(String key) {
    return key.replace("~", "~0").replace("/", "~1");
  }
}
