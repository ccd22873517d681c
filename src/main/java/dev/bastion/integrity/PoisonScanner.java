package dev.bastion.integrity;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.ahocorasick.trie.PayloadEmit;
import org.ahocorasick.trie.PayloadTrie;
import tools.jackson.databind.JsonNode;

/**
 * Scans a whole tool definition (name, title, description, every key and string value of the input
 * and output schemas, annotations) for poisoning. Every string is inspected three ways: raw (for
 * invisible characters, control characters and hidden markup), decoded from tag characters (text
 * smuggled in U+E0000), and {@linkplain Folding folded} (for phrases, paths and tool names, so
 * homoglyphs and zero-width splits do not hide them). Matching is Aho–Corasick over the folded
 * text: linear in its length, no backtracking on hostile input.
 */
final class PoisonScanner {
  private static final int MAX_FINDINGS = 20;
  private static final int MAX_DEPTH = 64;

  private static final List<String> DIRECTIVES =
      List.of(
          "ignore previous", "ignore all previous", "ignore the previous", "ignore prior", "ignore any previous", "ignore your instructions",
          "ignore all instructions", "ignore the above", "disregard previous", "disregard all previous", "disregard the above",
          "disregard your instructions", "forget previous instructions", "forget your instructions", "forget all previous",
          "override your instructions", "new instructions", "system prompt", "before using this tool", "before calling this tool",
          "before you use this tool", "before you call this tool", "before invoking this tool", "prior to using this tool",
          "before any other tool", "you must first", "you must always", "you must read", "you must call", "you must pass",
          "you must include", "you must send", "the assistant must", "the model must", "the ai must", "the agent must",
          "instructions for the assistant", "instructions for the model", "note to the assistant", "note to the model",
          "read the contents of", "read the content of", "pass its content", "pass the content", "pass their content",
          "include the contents", "include its contents", "regardless of what the user", "regardless of the user",
          "no matter what the user", "even if the user", "instead of what the user", "rather than what the user",
          "replace the user", "change the user", "rewrite the user", "modify the user", "otherwise the tool will not work",
          "or the tool will fail", "this is very important", "very very important");

  private static final List<String> SECRECY =
      List.of(
          "do not tell", "don't tell", "dont tell", "never tell", "do not mention", "don't mention", "dont mention", "never mention",
          "do not inform", "don't inform", "do not reveal", "don't reveal", "never reveal", "do not disclose", "never disclose",
          "do not show the user", "don't show the user", "without telling", "without informing", "without notifying",
          "without asking the user", "without the user knowing", "without the user noticing", "without user knowledge",
          "the user must not know", "the user should not know", "user does not need to know", "user doesn't need to know",
          "hide this from", "keep this secret", "keep this hidden", "keep it secret", "keep it hidden", "not visible to the user",
          "invisible to the user", "do not let the user", "don't let the user", "secretly", "covertly", "surreptitiously");

  private static final List<String> QUIET = List.of("silently", "quietly", "discreetly", "invisibly");
  private static final List<String> QUIET_VERBS =
      List.of("change", "replace", "rewrite", "modify", "swap", "substitute", "add", "append", "send", "forward", "include", "pass",
          "use", "copy", "upload", "read", "attach", "bcc", "cc", "redirect", "alter", "exfiltrate");

  private static final List<String> PREFERENCE =
      List.of("deprecated", "obsolete", "no longer works", "no longer supported", "do not use", "don't use", "never use",
          "instead of", "use this tool instead", "use this instead", "prefer this", "always prefer", "has been replaced",
          "is broken", "is unsafe", "is malicious", "must not be used", "should not be used");

  /** Matched on folded text with punctuation kept; a match must not run on into a letter or digit. */
  private static final List<String> PATHS =
      List.of(
          "~/.ssh", ".ssh/", "/.ssh", "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "authorized_keys", "known_hosts",
          ".aws/credentials", "/.aws", "~/.aws", ".env", ".envrc", "/etc/passwd", "/etc/shadow", "/etc/sudoers", ".netrc", ".npmrc",
          ".pypirc", ".pgpass", ".git-credentials", ".kube/config", ".docker/config.json", ".gnupg", "mcp.json",
          "claude_desktop_config", ".bash_history", ".zsh_history", "wallet.dat", "/proc/self/environ", ".config/gcloud",
          "credentials.json", "service-account.json", ".azure/", "keychain", "login.keychain");

  /** Matched on raw text (lower-cased, invisibles removed, NFKC). */
  private static final List<String> MARKUP =
      List.of("<!--", "<important", "</important", "<system", "</system", "<instructions", "<instruction>", "[inst]", "[/inst]",
          "<|im_start|>", "<|im_end|>", "<|system|>", "<|user|>", "<|assistant|>", "### instruction", "<<sys>>", "<secret",
          "<hidden", "display:none", "display: none");

  private static final PayloadTrie<Finding.Kind> WORDS = wordsTrie();
  private static final PayloadTrie<String> PATH_TRIE = plainTrie(PATHS, true);
  private static final PayloadTrie<String> MARKUP_TRIE = plainTrie(MARKUP, false);

  private static PayloadTrie<Finding.Kind> wordsTrie() {
    PayloadTrie.PayloadTrieBuilder<Finding.Kind> b = PayloadTrie.builder();
    DIRECTIVES.forEach(p -> b.addKeyword(Folding.words(Folding.fold(p)), Finding.Kind.DIRECTIVE));
    SECRECY.forEach(p -> b.addKeyword(Folding.words(Folding.fold(p)), Finding.Kind.SECRECY));
    for (String q : QUIET) {
      for (String v : QUIET_VERBS) {
        b.addKeyword(Folding.words(Folding.fold(q + " " + v)), Finding.Kind.SECRECY);
      }
    }
    PREFERENCE.forEach(p -> b.addKeyword(Folding.words(Folding.fold(p)), Finding.Kind.PREFERENCE));
    return b.build();
  }

  private static PayloadTrie<String> plainTrie(List<String> keywords, boolean fold) {
    PayloadTrie.PayloadTrieBuilder<String> b = PayloadTrie.builder();
    keywords.forEach(k -> b.addKeyword(fold ? Folding.fold(k) : k, k));
    return b.build();
  }

  /**
   * What the other servers expose, for shadowing checks: folded tool name (and exposed name,
   * {@code server__tool}) → servers offering it, and folded server names. A tool that mentions a name its own server also offers is not flagged.
   */
  record Neighbours(Map<String, Set<String>> toolServers, Map<String, String> serverNames, PayloadTrie<String> toolTrie) {
    static final Neighbours NONE = new Neighbours(Map.of(), Map.of(), PayloadTrie.<String>builder().build());

    static Neighbours of(Map<String, Set<String>> toolsByServer) {
      Map<String, Set<String>> toolServers = new java.util.HashMap<>();
      Map<String, String> serverNames = new java.util.HashMap<>();
      PayloadTrie.PayloadTrieBuilder<String> b = PayloadTrie.builder();
      for (Map.Entry<String, Set<String>> e : toolsByServer.entrySet()) {
        String server = e.getKey();
        serverNames.put(Folding.fold(server), server);
        b.addKeyword(Folding.fold(server), server);
        for (String tool : e.getValue()) {
          // the exposed name (server__tool) is what the model sees and what a shadowing
          // description names; it is distinctive whatever the tool's own name is
          String exposed = Folding.fold(dev.bastion.federation.Catalog.expose(server, tool));
          toolServers.computeIfAbsent(exposed, k -> new java.util.TreeSet<>()).add(server);
          b.addKeyword(exposed, dev.bastion.federation.Catalog.expose(server, tool));
          if (distinctive(tool)) {
            String key = Folding.fold(tool);
            toolServers.computeIfAbsent(key, k -> new java.util.TreeSet<>()).add(server);
            b.addKeyword(key, tool);
          }
        }
      }
      return new Neighbours(toolServers, serverNames, b.build());
    }

    /** Names generic enough ("search", "read") to be ordinary words are not treated as mentions. */
    static boolean distinctive(String tool) {
      return tool.length() >= 4 && (tool.matches(".*[-_.0-9].*") || tool.matches(".*[a-z][A-Z].*"));
    }
  }

  List<Finding> scan(JsonNode definition, String server, Neighbours neighbours) {
    List<Finding> out = new ArrayList<>();
    walk(definition, "", server, neighbours, out, 0);
    return out;
  }

  private void walk(JsonNode node, String path, String server, Neighbours n, List<Finding> out, int depth) {
    if (out.size() >= MAX_FINDINGS) {
      return;
    }
    if (depth > MAX_DEPTH) {
      out.add(new Finding(Finding.Kind.HIDDEN_MARKUP, path, "the definition nests deeper than " + MAX_DEPTH + " levels"));
      return;
    }
    if (node.isObject()) {
      for (Map.Entry<String, JsonNode> e : node.properties()) {
        String key = Excerpts.clip(e.getKey());
        String p = path.isEmpty() ? key : path + "." + key;
        text(e.getKey(), p + " (key)", server, n, out);
        walk(e.getValue(), p, server, n, out, depth + 1);
      }
    } else if (node.isArray()) {
      int i = 0;
      for (JsonNode element : node.values()) {
        walk(element, path + "[" + i++ + "]", server, n, out, depth + 1);
      }
    } else if (node.isString()) {
      text(node.asString(), path, server, n, out);
    }
  }

  /** All checks on one string. */
  void text(String s, String where, String server, Neighbours n, List<Finding> out) {
    raw(s, where, out);
    String smuggled = Folding.decodeTags(s);
    if (!smuggled.isEmpty()) {
      out.add(new Finding(Finding.Kind.HIDDEN_CHARACTERS, where, "text hidden in Unicode tag characters: \"" + Excerpts.clip(smuggled) + "\""));
      folded(smuggled, where + " (tag characters)", server, n, out);
    }
    folded(s, where, server, n, out);
  }

  private static void raw(String s, String where, List<Finding> out) {
    int hidden = 0;
    int controls = 0;
    int prev = -1;
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      i += Character.charCount(cp);
      int next = i < s.length() ? s.codePointAt(i) : -1;
      if (Folding.tag(cp)) {
        // reported with the decoded text
      } else if (Folding.invisible(cp) && !emojiJoiner(cp, prev, next)) {
        hidden++;
      } else if ((cp < 0x20 && cp != '\n' && cp != '\r' && cp != '\t') || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F)) {
        controls++;
      }
      prev = cp;
    }
    if (hidden > 0) {
      out.add(new Finding(Finding.Kind.HIDDEN_CHARACTERS, where, hidden + " invisible character(s) (zero-width, bidi or format)"));
    }
    if (controls > 0) {
      out.add(new Finding(Finding.Kind.CONTROL_CHARACTERS, where, controls + " control character(s) such as terminal escapes"));
    }
    String lowered = Folding.visible(s).toLowerCase(java.util.Locale.ROOT);
    PayloadEmit<String> markup = MARKUP_TRIE.firstMatch(lowered);
    if (markup == null) {
      markup = MARKUP_TRIE.firstMatch(Folding.fold(s));
    }
    if (markup != null) {
      out.add(new Finding(Finding.Kind.HIDDEN_MARKUP, where, "hidden or prompt markup \"" + markup.getPayload() + "\""));
    }
  }

  /** ZWJ and emoji variation selectors inside emoji sequences are ordinary, visible text. */
  private static boolean emojiJoiner(int cp, int prev, int next) {
    boolean symbolBefore = prev >= 0 && Character.getType(prev) == Character.OTHER_SYMBOL;
    boolean symbolAfter = next >= 0 && Character.getType(next) == Character.OTHER_SYMBOL;
    return switch (cp) {
      case 0x200D -> symbolBefore || symbolAfter || prev == 0xFE0F;
      case 0xFE0E, 0xFE0F -> symbolBefore;
      default -> false;
    };
  }

  private static void folded(String s, String where, String server, Neighbours n, List<Finding> out) {
    String folded = Folding.fold(s);
    String words = Folding.words(folded);
    boolean preference = false;
    java.util.EnumSet<Finding.Kind> seen = java.util.EnumSet.noneOf(Finding.Kind.class);
    for (PayloadEmit<Finding.Kind> e : WORDS.parseText(words)) {
      if (e.getPayload() == Finding.Kind.PREFERENCE) {
        preference = true;
      } else if (seen.add(e.getPayload())) {
        out.add(new Finding(e.getPayload(), where, "\"" + e.getKeyword().strip() + "\""));
      }
    }
    for (PayloadEmit<String> e : PATH_TRIE.parseText(folded)) {
      if (boundaryAfter(folded, e.getEnd() + 1)) {
        out.add(new Finding(Finding.Kind.SENSITIVE_PATH, where, "names " + e.getPayload()));
        break;
      }
    }
    boolean mentionsOther = false;
    for (PayloadEmit<String> e : n.toolTrie().parseText(folded)) {
      if (!identifierBoundary(folded, e.getStart() - 1) || !identifierBoundary(folded, e.getEnd() + 1)) {
        continue;
      }
      String key = e.getKeyword();
      if (n.serverNames().containsKey(key)) {
        if (!n.serverNames().get(key).equals(server)) {
          mentionsOther = true; // another server's name: suspicious only together with steering
        }
        continue;
      }
      Set<String> offering = n.toolServers().getOrDefault(key, Set.of());
      if (!offering.isEmpty() && !offering.contains(server)) {
        out.add(new Finding(Finding.Kind.TOOL_MENTION, where, "names " + Excerpts.clip(e.getPayload()) + ", a tool of " + String.join(", ", offering)));
        mentionsOther = true;
        break;
      }
    }
    if (preference && mentionsOther) {
      out.add(new Finding(Finding.Kind.PREFERENCE, where, "steers the model away from another server's tools"));
    }
  }

  private static boolean boundaryAfter(String s, int i) {
    return i >= s.length() || !Character.isLetterOrDigit(s.codePointAt(i));
  }

  private static boolean identifierBoundary(String s, int i) {
    if (i < 0 || i >= s.length()) {
      return true;
    }
    char c = s.charAt(i);
    return !(Character.isLetterOrDigit(c) || c == '_' || c == '-');
  }

  static Collection<String> directivePhrases() {
    return DIRECTIVES;
  }
}
