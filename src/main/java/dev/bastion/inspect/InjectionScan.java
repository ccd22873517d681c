package dev.bastion.inspect;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import dev.bastion.inspect.Hit.Category;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Prompt injection for {@link Scanner}: trigger words in a token (an override verb, an instruction
 * noun, a decode verb, a role word at a line start) open a bounded window for the injection
 * patterns; at {@code <} or {@code [} chat-template tokens, HTML comments and hidden elements; at
 * {@code ](} a Markdown link or image that carries data to a host off the allowlist. Immutable.
 */
final class InjectionScan {

  private final Set<String> linkHosts;
  /** See {@link Scanner}'s switch of the same name. */
  private final boolean prefilter;

  InjectionScan(Set<String> linkHosts, boolean prefilter) {
    this.linkHosts = Set.copyOf(linkHosts);
    this.prefilter = prefilter;
  }

  private static final int WINDOW = 240;

  static final int HIDDEN_ELEMENT_REACH = 4700;

  private static final Pattern OVERRIDE = Pattern.compile(
      "(?i)\\b(?:ignore|disregard|forget|override|bypass|skip)\\b[^.\\n]{0,40}?\\b(?:previous|prior|above|earlier|all|any|your|system|safety|original)\\b"
          + "[^.\\n]{0,40}?\\b(?:instructions?|prompts?|rules|guidelines|directions|directives|context|messages?|polic(?:y|ies)|restrictions|guardrails)\\b");

  private static final Pattern NEW_INSTRUCTIONS = Pattern.compile(
      "(?i)\\b(?:new|updated|real|actual|hidden|secret|system|admin|developer)\\s+(?:instructions?|directives?|prompt)\\s*[:\\-]");

  private static final Pattern DECODE_LURE = Pattern.compile(
      "(?i)\\b(?:decode|base64|rot13|deobfuscate|unscramble|hex-decode)\\b[^.\\n]{0,80}?\\b(?:follow|execute|run|obey|carry out|perform|do what|act on|instructions?)\\b");

  private static final Pattern HIDDEN_ELEMENT = Pattern.compile(
      "(?is)<(?:span|div|p|font|section|small|a)\\b[^>]{0,300}?(?:display\\s*:\\s*none|visibility\\s*:\\s*hidden|font-size\\s*:\\s*0(?:px|pt|em)?\\s*[;\"']|opacity\\s*:\\s*0(?:\\.0+)?\\s*[;\"']|\\shidden[\\s>=])[^>]{0,300}>.*?</(?:span|div|p|font|section|small|a)\\s*>");

  private static final Pattern IMPERATIVE = Pattern.compile(
      "(?i)\\b(?:ignore|disregard|instruction|instructions|assistant|model|agent|you must|you should|please|read|send|call|run|execute|fetch|upload|credential|credentials|password|secret|token|api key|ssh|tool|do not tell|don't tell)\\b|\\.ssh|\\.env|\\.aws");

  private static final Pattern MD_LINK = Pattern.compile("(!?)\\[[^\\]\\n]{0,200}\\]\\(\\s*<?(https?://[^)\\s>]+)");

  private static final List<String> TEMPLATE_TOKENS = List.of(
      "<|im_start|>", "<|im_end|>", "<|system|>", "<|user|>", "<|assistant|>", "<|endoftext|>", "<|begin_of_text|>",
      "<|start_header_id|>", "<|eot_id|>", "<start_of_turn>", "<end_of_turn>", "<<SYS>>", "<</SYS>>", "[INST]", "[/INST]",
      "<system>", "</system>", "<important>", "<IMPORTANT>", "<instructions>");

  private static final Set<String> ROLE_WORDS = Set.of("user", "assistant", "system", "human", "ai", "model", "developer");

  /** {@link #mayTrigger} for each letter run of the token run {@code a[start, end)}. */
  static boolean letterRunsMayTrigger(byte[] a, int start, int end) {
    int letters = -1;
    for (int k = start; k < end; k++) {
      byte c = a[k];
      if ((char) ((c | 0x20) - 'a') < 26) {
        if (letters < 0) {
          letters = k;
        }
      } else if (letters >= 0) {
        if (mayTrigger(a, letters, k, c)) {
          return true;
        }
        letters = -1;
      }
    }
    return letters >= 0 && mayTrigger(a, letters, end, ' ');
  }

  /**
   * A necessary condition for {@link #word} to do anything with the letter run {@code a[start, w)}
   * followed by {@code next} (inside the token) or the token's end: a role word before ':', or a
   * trigger word's first letter and length.
   */
  static boolean mayTrigger(byte[] a, int start, int w, int next) {
    int wl = w - start;
    if (wl < 2 || wl > 12) {
      return false;
    }
    return next == ':' && wl <= 9 || (TRIGGER_LENGTHS[(a[start] | 0x20) - 'a'] & 1 << wl) != 0;
  }

  /** Per first letter, a bit for each length of a trigger word starting with it (see {@link #trigger}). */
  private static final int[] TRIGGER_LENGTHS = new int[26];

  static {
    for (String t : List.of("ignore", "instructions", "instruction", "disregard", "directive", "directives", "decode",
        "deobfuscate", "forget", "override", "bypass", "base64", "skip", "prompt", "rot13", "unscramble")) {
      TRIGGER_LENGTHS[t.charAt(0) - 'a'] |= 1 << t.length();
    }
  }

  void words(String text, byte[] a, int start, int end, List<Hit> hits) {
    int k = start;
    while (k < end) {
      byte c = a[k];
      if (isAsciiLetter(c)) {
        int w = k + 1;
        while (w < end && isAsciiLetter(a[w])) { // token runs are ASCII
          w++;
        }
        word(text, a, k, w, end, hits);
        k = w;
      } else {
        k++;
      }
    }
  }

  /** Trigger words: an override verb opens a window for the override patterns, a role word at a line start is a fake turn. */
  private void word(String text, byte[] a, int start, int w, int end, List<Hit> hits) {
    int wl = w - start;
    if (wl < 2 || wl > 12) {
      return;
    }
    char f = (char) (a[start] | 0x20);
    switch (f) {
      case 'i', 'd', 'f', 'o', 'b', 's', 'n', 'u', 'r', 'a', 'h', 'm', 'c', 'e', 'p' -> {}
      default -> {
        return;
      }
    }
    if (w < end && a[w] == ':' && wl <= 9 && atLineStart(a, start)) {
      String role = text.substring(start, w).toLowerCase(Locale.ROOT);
      if (ROLE_WORDS.contains(role)) {
        int lineEnd = Scanner.indexOf(text, "\n", w, w + 1000);
        hits.add(new Hit(Category.INJECTION, "fake_chat_turn", start, lineEnd < 0 ? Math.min(text.length(), w + 1000) : lineEnd));
        return;
      }
    }
    int trigger = trigger(a, start, wl, f);
    if (trigger == OVERRIDE_VERB) {
      if (!prefilter || Prefilter.mayOverride(a, start, WINDOW)) {
        window(text, start, OVERRIDE, "instruction_override", hits);
      }
    } else if (trigger == INSTRUCTION_NOUN) {
      if (!prefilter || Prefilter.hasAny(text, Math.max(0, start - 40), Math.min(text.length(), start + 20), ':', '-')) {
        windowBack(text, start, NEW_INSTRUCTIONS, "instruction_override", hits);
      }
    } else if (trigger == DECODE_VERB) {
      if (!prefilter || Prefilter.mayDecodeLure(a, start, WINDOW)) {
        window(text, start, DECODE_LURE, "decode_and_follow", hits);
      }
    }
  }

  private static final int OVERRIDE_VERB = 1;

  private static final int INSTRUCTION_NOUN = 2;

  private static final int DECODE_VERB = 3;

  /**
   * Which trigger word (case-insensitive) a letter run of length {@code wl} starting with the
   * lower-case letter {@code f} is: an override verb, an instruction noun, a decode verb, or none (0).
   * ("base64" and "rot13" are listed for completeness; a letter run cannot contain their digits.)
   */
  private static int trigger(byte[] a, int start, int wl, char f) {
    return switch (f) {
      case 'i' -> is(a, start, wl, "ignore") ? OVERRIDE_VERB
          : is(a, start, wl, "instructions") || is(a, start, wl, "instruction") ? INSTRUCTION_NOUN : 0;
      case 'd' -> is(a, start, wl, "disregard") ? OVERRIDE_VERB
          : is(a, start, wl, "directive") || is(a, start, wl, "directives") ? INSTRUCTION_NOUN
          : is(a, start, wl, "decode") || is(a, start, wl, "deobfuscate") ? DECODE_VERB : 0;
      case 'f' -> is(a, start, wl, "forget") ? OVERRIDE_VERB : 0;
      case 'o' -> is(a, start, wl, "override") ? OVERRIDE_VERB : 0;
      case 'b' -> is(a, start, wl, "bypass") ? OVERRIDE_VERB : is(a, start, wl, "base64") ? DECODE_VERB : 0;
      case 's' -> is(a, start, wl, "skip") ? OVERRIDE_VERB : 0;
      case 'p' -> is(a, start, wl, "prompt") ? INSTRUCTION_NOUN : 0;
      case 'r' -> is(a, start, wl, "rot13") ? DECODE_VERB : 0;
      case 'u' -> is(a, start, wl, "unscramble") ? DECODE_VERB : 0;
      default -> 0;
    };
  }

  private static boolean isAsciiLetter(byte c) {
    return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z';
  }

  /** Whether the ASCII letter run {@code a[start, start + len)} is {@code word} (lower case) ignoring case. */
  private static boolean is(byte[] a, int start, int len, String word) {
    if (len != word.length()) {
      return false;
    }
    for (int k = 0; k < len; k++) {
      if ((a[start + k] | 0x20) != word.charAt(k)) {
        return false;
      }
    }
    return true;
  }

  private static boolean atLineStart(byte[] a, int start) {
    int j = start - 1;
    while (j >= 0 && start - j < 12) {
      byte c = a[j];
      if (c == '\n') {
        return true;
      }
      if (c != ' ' && c != '\t' && c != '*' && c != '#' && c != '>' && c != '-') {
        return false;
      }
      j--;
    }
    return j < 0;
  }

  private static void window(String text, int start, Pattern p, String detector, List<Hit> hits) {
    int end = Math.min(text.length(), start + WINDOW);
    Matcher m = p.matcher(text.substring(start, end));
    if (m.lookingAt()) {
      addOnce(hits, new Hit(Category.INJECTION, detector, start, start + m.end()));
    }
  }

  private static void windowBack(String text, int wordStart, Pattern p, String detector, List<Hit> hits) {
    int from = Math.max(0, wordStart - 40);
    int end = Math.min(text.length(), wordStart + 20);
    Matcher m = p.matcher(text.substring(from, end));
    if (m.find()) {
      addOnce(hits, new Hit(Category.INJECTION, detector, from + m.start(), from + m.end()));
    }
  }

  private static void addOnce(List<Hit> hits, Hit h) {
    for (int k = hits.size() - 1; k >= 0 && k >= hits.size() - 4; k--) {
      Hit o = hits.get(k);
      if (o.detector().equals(h.detector()) && o.start() < h.end() && h.start() < o.end()) {
        return;
      }
    }
    hits.add(h);
  }

  /** At a {@code <} or {@code [}: chat-template tokens, HTML comments and hidden elements. Returns the end of what it consumed. */
  int markup(String text, int i, List<Hit> hits) {
    int n = text.length();
    if (i + 1 >= n) {
      return i;
    }
    char next = text.charAt(i + 1);
    if (next == '|' || next == '<' || next == 's' || next == 'S' || next == 'e' || next == 'i' || next == 'I' || next == '/' || next == 'e') {
      for (String t : TEMPLATE_TOKENS) {
        if (text.startsWith(t, i)) {
          hits.add(new Hit(Category.INJECTION, "chat_template_token", i, i + t.length()));
          return i + t.length();
        }
      }
      if (next == '|') {
        int close = text.indexOf("|>", i + 2);
        if (close > 0 && close - i < 40 && isIdent(text, i + 2, close)) {
          hits.add(new Hit(Category.INJECTION, "chat_template_token", i, close + 2));
          return close + 2;
        }
      }
    }
    if (text.charAt(i) != '<') {
      return i;
    }
    if (next == '!' && text.startsWith("<!--", i)) {
      int close = Scanner.indexOf(text, "-->", i + 4, i + 8192);
      int end = close < 0 ? Math.min(n, i + 8192) : close + 3;
      if (IMPERATIVE.matcher(text.substring(i + 4, Math.max(i + 4, Math.min(end, n) - (close < 0 ? 0 : 3)))).find()) {
        hits.add(new Hit(Category.INJECTION, "hidden_html", i, end));
      }
      return end;
    }
    if ((next == 's' || next == 'd' || next == 'p' || next == 'f' || next == 'a' || next == 'S' || next == 'D' || next == 'P')
        && (!prefilter || Prefilter.mayHideElement(text, i))) {
      Matcher m = HIDDEN_ELEMENT.matcher(text.substring(i, Math.min(n, i + HIDDEN_ELEMENT_REACH)));
      if (m.lookingAt()) {
        hits.add(new Hit(Category.INJECTION, "hidden_html", i, i + m.end()));
        return i + m.end();
      }
    }
    return i;
  }

  private static boolean isIdent(String text, int from, int to) {
    for (int k = from; k < to; k++) {
      char c = text.charAt(k);
      if (!(Character.isLetterOrDigit(c) || c == '_' || c == '-')) {
        return false;
      }
    }
    return to > from;
  }

  /** At {@code ](}: a markdown link or image whose URL carries data to a host not on the allowlist. */
  void markdownLink(String text, int i, List<Hit> hits) {
    int open = -1;
    for (int k = i - 1; k >= 0 && i - k <= 201; k--) {
      if (text.charAt(k) == '[') {
        open = k;
        break;
      }
    }
    if (open < 0) {
      return;
    }
    if (prefilter) {
      int close = text.indexOf(']', open); // the pattern's "](" is the first ']' after the '['
      if (close + 1 >= text.length() || text.charAt(close + 1) != '(' || !Prefilter.httpAfter(text, close + 2)) {
        return;
      }
    }
    int from = open > 0 && text.charAt(open - 1) == '!' ? open - 1 : open;
    Matcher m = MD_LINK.matcher(text.substring(from, Math.min(text.length(), i + 2060)));
    if (!m.lookingAt()) {
      return;
    }
    boolean image = !m.group(1).isEmpty();
    String url = m.group(2);
    java.net.URI uri;
    try {
      uri = java.net.URI.create(url);
    } catch (IllegalArgumentException e) {
      hits.add(new Hit(Category.INJECTION, image ? "markdown_image_exfiltration" : "markdown_link_exfiltration", from, from + m.end()));
      return;
    }
    String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
    if (HostMatch.allowed(host, linkHosts)) {
      return;
    }
    String query = uri.getRawQuery() == null ? "" : uri.getRawQuery();
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    boolean carriesData = image ? !query.isEmpty() || path.length() > 64 : query.length() >= 32 || longSegment(path);
    if (carriesData) {
      int urlStart = from + m.start(2);
      hits.add(new Hit(Category.INJECTION, image ? "markdown_image_exfiltration" : "markdown_link_exfiltration", urlStart, urlStart + url.length()));
    }
  }

  private static boolean longSegment(String path) {
    for (String seg : path.split("/")) {
      if (seg.length() >= 48) {
        return true;
      }
    }
    return false;
  }
}
