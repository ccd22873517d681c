package dev.bastion.flow;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The information-flow state of one flow session: the labels of everything it has read, bounded
 * fingerprints of the labelled outputs, the tail of what it has sent to external sinks (to catch
 * data split across calls), and the tainted bytes it has sent out so far.
 *
 * <p>Bounded: at most {@link #MAX_ORIGINS} outputs, {@link #MAX_WINDOWS} window hashes and
 * {@link #MAX_TOKENS} tokens per kind. When a bound is reached the state is <em>saturated</em>:
 * labels still accumulate, and the exfiltration rule then treats every argument sent to an external
 * sink as carrying the session's sensitive data (fail closed) instead of forgetting old outputs.
 * Thread-safe (one lock per session; calls of one session rarely overlap).
 */
public final class FlowState {
  static final int MAX_ORIGINS = 512;
  static final int MAX_WINDOWS = 1 << 15;
  static final int MAX_TOKENS = 1 << 13;
  static final int EGRESS_TAIL = 2048;
  /** Window hits an argument needs before it counts as carrying sensitive data (≈ 22 shared letters/digits). */
  static final int MIN_HITS = 3;

  /** One labelled output the session has read. */
  public record Origin(int index, String target, String exchangeId, FlowLabel label) {
    /** An untrusted tool's definition (its description or schema), which every session can read in tools/list. */
    public static Origin definition(String exposedName) {
      return new Origin(-1, exposedName, null,
          new FlowLabel(FlowLabel.PUBLIC, dev.bastion.config.FlowConfig.Integrity.UNTRUSTED, dev.bastion.config.FlowConfig.Sink.NONE, List.of(), false));
    }

    public String describe() {
      if (exchangeId == null) {
        return "the definition (description or schema) of " + target + ", a tool of another server whose content is untrusted";
      }
      return "the output of " + target + " (exchange " + exchangeId + ", " + String.join("+", label.sessionLabels().isEmpty()
          ? List.of(FlowLabel.PUBLIC) : label.sessionLabels()) + ")";
    }
  }

  /** How an argument came to carry a label. */
  public enum Match {
    VERBATIM,
    DECODED,
    CHUNKED,
    SATURATED
  }

  /** An argument that carries sensitive data from an origin. */
  public record Carried(String argument, Origin origin, Match match) {}

  /** A key argument whose value appears only in untrusted outputs. */
  public record UntrustedKey(String argument, String value, Origin origin) {}

  /** What an inspection of one call's arguments found. */
  public record Inspection(List<Carried> carried, List<UntrustedKey> untrustedKeys, long taintedBytes) {
    public Inspection {
      carried = List.copyOf(carried);
      untrustedKeys = List.copyOf(untrustedKeys);
    }
  }

  private final Set<String> labels = new LinkedHashSet<>();
  /** {@link #labels} as an immutable list, replaced when a label is added (read on every call, changed rarely). */
  private List<String> labelList = List.of();
  private final List<Origin> origins = new ArrayList<>();
  private final Map<Long, Integer> windows = new HashMap<>();
  private final Map<String, Integer> sensitiveTokens = new HashMap<>();
  private final Map<String, Integer> untrustedTokens = new HashMap<>();
  private final Set<String> trustedTokens = new HashSet<>();
  private final StringBuilder egressCompact = new StringBuilder();
  private final StringBuilder egressRaw = new StringBuilder();
  /** The same stream per argument name, so pieces sent alongside constant arguments (a recipient) still join up. */
  private final Map<String, StringBuilder> egressByArgument = new java.util.LinkedHashMap<>();
  static final int MAX_EGRESS_ARGUMENTS = 32;
  private Origin firstUntrusted;
  private boolean saturated;
  private long taintedEgress;
  private volatile long lastUsedNanos = System.nanoTime();

  /** A state that starts with labels already set (e.g. "untrusted" for a session of unknown history). */
  FlowState(List<String> initialLabels) {
    labels.addAll(initialLabels);
    labelList = List.copyOf(labels);
  }

  public FlowState() {
    this(List.of());
  }

  public synchronized List<String> labels() {
    return labelList;
  }

  public synchronized boolean hasReadUntrusted() {
    return labels.contains(FlowLabel.UNTRUSTED);
  }

  public synchronized Origin firstUntrusted() {
    return firstUntrusted;
  }

  public synchronized long taintedEgress() {
    return taintedEgress;
  }

  public synchronized boolean saturated() {
    return saturated;
  }

  void touch() {
    lastUsedNanos = System.nanoTime();
  }

  long lastUsedNanos() {
    return lastUsedNanos;
  }

  /**
   * Records an output the session read: its labels, and fingerprints of its texts.
   *
   * @param taintedTokens tokens known (from earlier sessions) to come from untrusted content; they
   *     keep that label in this output even if its source is trusted
   */
  public synchronized Origin observe(String target, String exchangeId, FlowLabel label, List<String> texts, Set<String> taintedTokens) {
    touch();
    List<String> added = new ArrayList<>(label.sessionLabels());
    boolean inherits = false;
    Set<String> outputTokens = new LinkedHashSet<>();
    for (String t : texts) {
      outputTokens.addAll(Fingerprints.tokens(t));
    }
    for (String t : outputTokens) {
      if (taintedTokens.contains(t)) {
        inherits = true;
      }
    }
    if (inherits && !added.contains(FlowLabel.UNTRUSTED)) {
      added.add(FlowLabel.UNTRUSTED);
    }
    if (labels.addAll(added)) {
      labelList = List.copyOf(labels);
    }
    if (origins.size() >= MAX_ORIGINS) {
      saturated = true;
      return null;
    }
    FlowLabel effective = inherits && label.integrity() != dev.bastion.config.FlowConfig.Integrity.UNTRUSTED
        ? new FlowLabel(label.confidentiality(), dev.bastion.config.FlowConfig.Integrity.UNTRUSTED, label.sink(), label.keyArguments(), label.consequential())
        : label;
    Origin origin = new Origin(origins.size(), target, exchangeId, effective);
    origins.add(origin);
    if (effective.integrity() == dev.bastion.config.FlowConfig.Integrity.UNTRUSTED && firstUntrusted == null) {
      firstUntrusted = origin;
    }
    boolean sensitive = label.sensitive();
    for (String t : outputTokens) {
      boolean untrusted = label.integrity() == dev.bastion.config.FlowConfig.Integrity.UNTRUSTED || taintedTokens.contains(t);
      if (untrusted) {
        putBounded(untrustedTokens, t, origin.index());
      } else if (trustedTokens.size() < MAX_TOKENS) {
        trustedTokens.add(t);
      } else {
        saturated = true;
      }
      if (sensitive) {
        putBounded(sensitiveTokens, t, origin.index());
      }
    }
    if (sensitive) {
      for (String t : texts) {
        for (long w : Fingerprints.windows(Fingerprints.compact(t))) {
          if (windows.size() >= MAX_WINDOWS && !windows.containsKey(w)) {
            saturated = true;
            break;
          }
          windows.putIfAbsent(w, origin.index());
        }
      }
    }
    return origin;
  }

  private <K> void putBounded(Map<K, Integer> map, K key, int origin) {
    if (map.size() >= MAX_TOKENS && !map.containsKey(key)) {
      saturated = true;
      return;
    }
    map.putIfAbsent(key, origin);
  }

  /**
   * Inspects one call's arguments (top-level name to the string values under it).
   *
   * @param keyArguments the arguments whose provenance matters for a consequential action
   * @param external whether the call goes to an external sink: its text then joins the egress tail
   *     (so data split across calls is matched) and its tainted bytes are counted
   */
  public synchronized Inspection inspect(Map<String, List<String>> arguments, List<String> keyArguments, boolean external) {
    touch();
    List<Carried> carried = new ArrayList<>();
    List<UntrustedKey> untrustedKeys = new ArrayList<>();
    long tainted = 0;
    StringBuilder joinedCompact = new StringBuilder();
    StringBuilder joinedRaw = new StringBuilder();
    // a session that has read nothing sensitive has no windows or tokens to match: its arguments
    // need no decoding, compacting or tokenising (beyond the egress tail of an external call)
    boolean matchWindows = !windows.isEmpty();
    boolean matchTokens = !sensitiveTokens.isEmpty();
    for (Map.Entry<String, List<String>> arg : arguments.entrySet()) {
      Carried found = null;
      for (String value : arg.getValue()) {
        joinedRaw.append(value);
        if (!matchWindows && !matchTokens) {
          if (external) {
            joinedCompact.append(Fingerprints.compact(value));
          }
        }
        List<String> variants = matchWindows || matchTokens ? Fingerprints.decodedVariants(value) : List.of();
        for (int v = 0; v < variants.size(); v++) {
          String compact = matchWindows || (v == 0 && external) ? Fingerprints.compact(variants.get(v)) : "";
          if (v == 0) {
            joinedCompact.append(compact);
          }
          Hit hit = matchWindows ? hits(compact) : Hit.NONE;
          Origin tokenOrigin = null;
          int tokenBytes = 0;
          for (String t : matchTokens ? Fingerprints.tokens(variants.get(v)) : Set.<String>of()) {
            Integer o = sensitiveTokens.get(t);
            if (o != null) {
              tokenOrigin = tokenOrigin == null ? origins.get(o) : tokenOrigin;
              tokenBytes += t.length();
            }
          }
          if (hit.count() >= MIN_HITS || tokenOrigin != null) {
            Origin origin = hit.count() >= MIN_HITS ? origins.get(hit.origin()) : tokenOrigin;
            if (found == null) {
              found = new Carried(arg.getKey(), origin, v == 0 ? Match.VERBATIM : Match.DECODED);
            }
            tainted += Math.max(tokenBytes, hit.count() >= MIN_HITS ? Math.min(compact.length(), hit.count() + Fingerprints.WINDOW - 1) : 0);
          }
        }
        if (keyArguments.contains(arg.getKey())) {
          Set<String> forms = Fingerprints.keyForms(value);
          forms.add(Fingerprints.pairForm(arg.getKey(), value));
          for (String form : forms) {
            Integer o = untrustedTokens.get(form);
            if (o != null && !trustedTokens.contains(form)) {
              untrustedKeys.add(new UntrustedKey(arg.getKey(), value, origins.get(o)));
              break;
            }
          }
        }
      }
      if (found != null) {
        carried.add(found);
      }
    }
    if (external) {
      // windows are matched only when the session has read something sensitive: with none, no
      // spanning, decoded or per-argument chunk can hit, so their tails are not even built
      Origin chunkOrigin = null;
      String argName = null;
      if (matchWindows) {
        String tail = egressCompact.length() > Fingerprints.WINDOW - 1
            ? egressCompact.substring(egressCompact.length() - (Fingerprints.WINDOW - 1)) : egressCompact.toString();
        Hit spanning = hits(tail + joinedCompact);
        chunkOrigin = spanning.count() >= MIN_HITS ? origins.get(spanning.origin()) : null;
        String rawTail = egressRaw.length() > 512 ? egressRaw.substring(egressRaw.length() - 512) : egressRaw.toString();
        if (chunkOrigin == null && !rawTail.isEmpty()) {
          List<String> decoded = Fingerprints.decodedVariants(rawTail + joinedRaw);
          for (int v = 1; v < decoded.size() && chunkOrigin == null; v++) {
            Hit h = hits(Fingerprints.compact(decoded.get(v)));
            chunkOrigin = h.count() >= MIN_HITS ? origins.get(h.origin()) : null;
          }
        }
      }
      for (Map.Entry<String, List<String>> arg : arguments.entrySet()) {
        List<String> values = arg.getValue();
        String compact = Fingerprints.compact(values.size() == 1 ? values.get(0) : String.join("", values));
        StringBuilder stream = egressByArgument.get(arg.getKey());
        if (stream == null && egressByArgument.size() < MAX_EGRESS_ARGUMENTS) {
          stream = new StringBuilder();
          egressByArgument.put(arg.getKey(), stream);
        }
        if (stream == null) {
          continue;
        }
        if (matchWindows && chunkOrigin == null && !stream.isEmpty()) {
          String argTail = stream.length() > Fingerprints.WINDOW - 1 ? stream.substring(stream.length() - (Fingerprints.WINDOW - 1)) : stream.toString();
          Hit h = hits(argTail + compact);
          if (h.count() >= MIN_HITS) {
            chunkOrigin = origins.get(h.origin());
            argName = arg.getKey();
          }
        }
        append(stream, compact, Fingerprints.WINDOW * 4);
      }
      if (argName == null) {
        argName = firstKey(arguments);
      }
      if (chunkOrigin != null && carried.isEmpty()) {
        carried.add(new Carried(argName, chunkOrigin, Match.CHUNKED));
        tainted += Math.max(1, joinedCompact.length());
      }
      if (carried.isEmpty() && saturated && holdsSensitiveLabel()) {
        carried.add(new Carried(firstKey(arguments), null, Match.SATURATED));
      }
      append(egressCompact, joinedCompact, EGRESS_TAIL);
      append(egressRaw, joinedRaw, EGRESS_TAIL);
    }
    return new Inspection(carried, untrustedKeys, tainted);
  }

  private static String firstKey(Map<String, ?> arguments) {
    return arguments.isEmpty() ? "" : arguments.keySet().iterator().next();
  }

  /** Whether the session has read something confidential or secret (rank 2 and up, untrusted aside). */
  private boolean holdsSensitiveLabel() {
    for (int i = 0; i < labelList.size(); i++) {
      String l = labelList.get(i);
      if (FlowLabel.rank(l) >= 2 && !l.equals(FlowLabel.UNTRUSTED)) {
        return true;
      }
    }
    return false;
  }

  /** Whether a token (a key-argument form) appears in some trusted output of this session. */
  public synchronized boolean trusts(String token) {
    return trustedTokens.contains(token);
  }

  /** Adds tainted bytes that actually left for an external sink. */
  public synchronized void countEgress(long bytes) {
    taintedEgress += bytes;
  }

  /**
   * Tokens of the given values that this session knows only from untrusted outputs (so that a store
   * written with them can pass the label on).
   */
  public synchronized Set<String> untrustedTokensIn(List<String> values) {
    Set<String> out = new LinkedHashSet<>();
    if (untrustedTokens.isEmpty()) {
      return out;
    }
    for (String v : values) {
      for (String t : Fingerprints.tokens(v)) {
        if (untrustedTokens.containsKey(t) && !trustedTokens.contains(t)) {
          out.add(t);
        }
      }
      for (String form : Fingerprints.keyForms(v)) {
        if (untrustedTokens.containsKey(form) && !trustedTokens.contains(form)) {
          out.add(form);
        }
      }
    }
    return out;
  }

  private record Hit(int count, int origin) {
    static final Hit NONE = new Hit(0, -1);
  }

  private Hit hits(String compact) {
    if (windows.isEmpty()) {
      return Hit.NONE;
    }
    int count = 0;
    int origin = -1;
    for (long w : Fingerprints.windows(compact)) {
      Integer o = windows.get(w);
      if (o != null) {
        count++;
        origin = origin < 0 ? o : origin;
      }
    }
    return new Hit(count, origin);
  }

  private static void append(StringBuilder buffer, CharSequence text, int cap) {
    buffer.append(text);
    if (buffer.length() > cap) {
      buffer.delete(0, buffer.length() - cap);
    }
  }
}
