package dev.bastion.audit;

import dev.bastion.pipeline.Finding;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One audit record: what one exchange was, what was decided and how it ended, chained to the record
 * before it.
 *
 * <p>A record is built <em>unchained</em> ({@code seq == 0}, {@code prevHash} and {@code hash}
 * null) by {@link AuditRecords} and handed to {@link AuditLog#append}; the log's writer assigns the
 * sequence number and chains it with {@link #chain(long, String)}.
 *
 * <p><b>Chain format.</b> {@code hash = hex(SHA-256(bytes(prevHash) || utf8(canonical)))}
 * where {@code bytes(prevHash)} are the 32 bytes the previous record's hex hash encodes (32 zero
 * bytes before the first record) and {@code canonical} is {@link CanonicalJson} of {@link
 * #contentJson()}: every field of this record except {@code hash}, {@code null}s written
 * explicitly, the time as an ISO-8601 instant truncated to microseconds. Record format 1 (written
 * before findings were recorded) has neither {@code format} nor {@code findings} in its content;
 * format 2 adds {@code "format": 2} and {@code findings} (see {@link #FORMAT}). Each record is
 * hashed by its own format, so a chain that starts in format 1 and continues in 2 verifies.
 *
 * <p>Findings name what was found and where, never the matched text: {@link Finding} has no field
 * that could hold it, and the location (a JSON pointer into the message) is cut to {@link
 * #MAX_LOCATION_CHARS}.
 *
 * @param seq position in the chain, from 1, contiguous; 0 while unchained
 * @param time when the exchange arrived (microsecond precision)
 * @param exchangeId the gateway's id of the exchange
 * @param agent authenticated agent id ({@code ""} when unidentified)
 * @param user the user the agent acted for, or null
 * @param session legacy MCP session id, or null
 * @param era {@code legacy} or {@code stateless}
 * @param protocolVersion MCP protocol version the agent spoke, or null
 * @param method JSON-RPC method
 * @param server upstream server name ({@code ""} for the gateway itself)
 * @param target tool/resource/prompt name the agent used ({@code ""} when none)
 * @param argsDigest SHA-256 (hex) of the canonical JSON of the original, unredacted arguments
 * @param args the arguments after redaction and truncation, as JSON text
 * @param effect what became of the request
 * @param ruleIds policy rules involved
 * @param reason reason code wire name when refused or failed, else null
 * @param upstreamLatencyMs upstream round trip, or null when the upstream was not called
 * @param upstreamOutcome how the upstream answered (free text from the upstream stage), or null
 * @param resultDigest SHA-256 (hex) of the canonical JSON of the result or upstream error, or null
 * @param labels session information-flow labels (empty until the flow capability exists)
 * @param traceId W3C trace id, or null
 * @param format record format: 1 (no findings) or 2
 * @param findings what the firewall found in this exchange (empty in format 1)
 * @param prevHash the previous record's hash (64 zeros for seq 1); null while unchained
 * @param hash this record's hash; null while unchained
 */
public record AuditRecord(
    long seq,
    Instant time,
    String exchangeId,
    String agent,
    String user,
    String session,
    String era,
    String protocolVersion,
    String method,
    String server,
    String target,
    String argsDigest,
    String args,
    Effect effect,
    List<String> ruleIds,
    String reason,
    Long upstreamLatencyMs,
    String upstreamOutcome,
    String resultDigest,
    List<String> labels,
    String traceId,
    int format,
    List<Finding> findings,
    String prevHash,
    String hash) {

  /** The format new records are written in. */
  public static final int FORMAT = 2;

  /** Locations longer than this are cut (a pointer is built from keys the message chose). */
  public static final int MAX_LOCATION_CHARS = 200;

  /** The hash before the first record: 64 hex zeros. */
  public static final String GENESIS_HASH = "0".repeat(64);

  private static final HexFormat HEX = HexFormat.of();

  /** What became of the request, from the gateway's point of view. */
  public enum Effect {
    /** Forwarded or answered (the upstream may still have failed; see upstream outcome). */
    ALLOW,
    /** Refused by the gateway (authentication, policy, limits, inspection, protocol). */
    DENY,
    /** Held for a human approval (enforced as a refusal until approvals exist). */
    ASK,
    /** Allowed, but the gateway or upstream failed to produce an answer. */
    ERROR;

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code allow|deny|ask|error}, case-insensitive. */
    public static Effect parse(String s) {
      for (Effect e : values()) {
        if (e.wireName().equalsIgnoreCase(s)) {
          return e;
        }
      }
      throw new IllegalArgumentException("unknown decision '" + s + "'; expected allow, deny, ask or error");
    }
  }

  public AuditRecord {
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(exchangeId, "exchangeId");
    Objects.requireNonNull(agent, "agent");
    Objects.requireNonNull(era, "era");
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(server, "server");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(argsDigest, "argsDigest");
    Objects.requireNonNull(args, "args");
    Objects.requireNonNull(effect, "effect");
    time = time.truncatedTo(ChronoUnit.MICROS);
    ruleIds = List.copyOf(ruleIds);
    labels = List.copyOf(labels);
    findings = findings == null || findings.isEmpty() ? List.of() : findings.stream().map(AuditRecord::bounded).toList();
    if (format != 1 && format != FORMAT) {
      throw new IllegalArgumentException("unknown audit record format " + format + " (this version knows 1 and " + FORMAT + ")");
    }
    if (format == 1 && !findings.isEmpty()) {
      throw new IllegalArgumentException("format 1 records carry no findings");
    }
    if (seq < 0) {
      throw new IllegalArgumentException("seq must be >= 0, was " + seq);
    }
  }

  /** A record in the current format (the shape used before findings existed, plus findings). */
  public AuditRecord(long seq, Instant time, String exchangeId, String agent, String user, String session, String era,
      String protocolVersion, String method, String server, String target, String argsDigest, String args, Effect effect,
      List<String> ruleIds, String reason, Long upstreamLatencyMs, String upstreamOutcome, String resultDigest,
      List<String> labels, String traceId, String prevHash, String hash) {
    this(seq, time, exchangeId, agent, user, session, era, protocolVersion, method, server, target, argsDigest, args,
        effect, ruleIds, reason, upstreamLatencyMs, upstreamOutcome, resultDigest, labels, traceId, FORMAT, List.of(),
        prevHash, hash);
  }

  private static Finding bounded(Finding f) {
    String loc = f.location();
    return loc.length() <= MAX_LOCATION_CHARS ? f
        : new Finding(f.category(), f.detector(), f.direction(), f.action(), loc.substring(0, MAX_LOCATION_CHARS - 1) + "…");
  }

  /** The same record with these findings (format {@link #FORMAT}). */
  public AuditRecord withFindings(List<Finding> found) {
    return new AuditRecord(seq, time, exchangeId, agent, user, session, era, protocolVersion, method, server, target,
        argsDigest, args, effect, ruleIds, reason, upstreamLatencyMs, upstreamOutcome, resultDigest, labels, traceId,
        FORMAT, found, prevHash, hash);
  }

  /** True once {@link #chain} has given this record its place. */
  public boolean chained() {
    return seq > 0 && hash != null;
  }

  /** This record placed at {@code seq} after a record whose hash is {@code prevHash}. */
  public AuditRecord chain(long newSeq, String newPrevHash) {
    if (newSeq < 1) {
      throw new IllegalArgumentException("seq starts at 1, was " + newSeq);
    }
    return withChain(newSeq, newPrevHash, hash(newSeq, newPrevHash));
  }

  AuditRecord withChain(long newSeq, String newPrevHash, String newHash) {
    return new AuditRecord(newSeq, time, exchangeId, agent, user, session, era, protocolVersion, method, server, target,
        argsDigest, args, effect, ruleIds, reason, upstreamLatencyMs, upstreamOutcome, resultDigest, labels, traceId,
        format, findings, newPrevHash, newHash);
  }

  /** Recomputes the hash from this record's content and {@code prevHash} (the stored hash is ignored). */
  public String computeHash() {
    return hash(seq, prevHash);
  }

  /** The hash this record has at {@code atSeq} after {@code prev}. */
  private String hash(long atSeq, String prev) {
    MessageDigest sha = CanonicalJson.sha256();
    String p = prev == null ? GENESIS_HASH : prev;
    byte[] prevBytes;
    try {
      prevBytes = HEX.parseHex(p);
    } catch (IllegalArgumentException e) {
      prevBytes = p.getBytes(StandardCharsets.UTF_8);
    }
    sha.update(prevBytes);
    sha.update(contentText(atSeq, prev).getBytes(StandardCharsets.UTF_8));
    return HEX.formatHex(sha.digest());
  }

  /**
   * {@code CanonicalJson.write(contentJson())} for this record at {@code atSeq} after {@code prev},
   * written straight from the fields (no tree, no sorting): the names below are in canonical
   * (sorted) order. {@code AuditFormatTest} checks that both give the same text.
   */
  String contentText(long atSeq, String prev) {
    return render(atSeq, prev, null);
  }

  /**
   * {@link #contentText}; when {@code marks} is given it receives the char offsets where the
   * {@code prevHash} value starts and ends and where the {@code seq} value starts and ends ({@link
   * ChainText} splits the text there).
   */
  String render(long atSeq, String prev, int[] marks) {
    StringWriter out = new StringWriter(384 + args.length());
    try (JsonGenerator g = CanonicalJson.MAPPER.createGenerator(out)) {
      g.writeStartObject();
      string(g, "agent", agent);
      string(g, "args", args);
      string(g, "argsDigest", argsDigest);
      string(g, "effect", effect.wireName());
      string(g, "era", era);
      string(g, "exchangeId", exchangeId);
      if (format >= 2) {
        g.writeName("findings");
        g.writeStartArray();
        for (Finding f : findings) {
          g.writeStartObject();
          string(g, "action", f.action());
          string(g, "category", f.category());
          string(g, "detector", f.detector());
          string(g, "direction", f.direction());
          string(g, "location", f.location());
          g.writeEndObject();
        }
        g.writeEndArray();
        g.writeName("format");
        g.writeNumber(format);
      }
      strings(g, "labels", labels);
      string(g, "method", method);
      g.writeName("prevHash");
      mark(g, out, marks, 0);
      if (prev == null) {
        g.writeNull();
      } else {
        g.writeString(prev);
      }
      mark(g, out, marks, 1);
      string(g, "protocolVersion", protocolVersion);
      string(g, "reason", reason);
      string(g, "resultDigest", resultDigest);
      strings(g, "ruleIds", ruleIds);
      g.writeName("seq");
      mark(g, out, marks, 2);
      g.writeNumber(atSeq);
      mark(g, out, marks, 3);
      string(g, "server", server);
      string(g, "session", session);
      string(g, "target", target);
      string(g, "time", time.toString());
      string(g, "traceId", traceId);
      g.writeName("upstreamLatencyMs");
      if (upstreamLatencyMs == null) {
        g.writeNull();
      } else {
        g.writeNumber(upstreamLatencyMs.longValue());
      }
      string(g, "upstreamOutcome", upstreamOutcome);
      string(g, "user", user);
      g.writeEndObject();
    }
    return out.toString();
  }

  private static void mark(JsonGenerator g, StringWriter out, int[] marks, int i) {
    if (marks != null) {
      g.flush();
      marks[i] = out.getBuffer().length();
    }
  }

  private static void string(JsonGenerator g, String name, String value) {
    g.writeName(name);
    if (value == null) {
      g.writeNull();
    } else {
      g.writeString(value);
    }
  }

  private static void strings(JsonGenerator g, String name, List<String> values) {
    g.writeName(name);
    g.writeStartArray();
    for (String v : values) {
      if (v == null) {
        g.writeNull();
      } else {
        g.writeString(v);
      }
    }
    g.writeEndArray();
  }

  /** Every field except {@code hash}, as a JSON object (the input of the hash). */
  public ObjectNode contentJson() {
    ObjectNode o = CanonicalJson.MAPPER.createObjectNode();
    o.put("seq", seq);
    o.put("time", time.toString());
    o.put("exchangeId", exchangeId);
    o.put("agent", agent);
    o.put("user", user);
    o.put("session", session);
    o.put("era", era);
    o.put("protocolVersion", protocolVersion);
    o.put("method", method);
    o.put("server", server);
    o.put("target", target);
    o.put("argsDigest", argsDigest);
    o.put("args", args);
    o.put("effect", effect.wireName());
    ArrayNode rules = o.putArray("ruleIds");
    ruleIds.forEach(rules::add);
    o.put("reason", reason);
    if (upstreamLatencyMs == null) {
      o.putNull("upstreamLatencyMs");
    } else {
      o.put("upstreamLatencyMs", upstreamLatencyMs.longValue());
    }
    o.put("upstreamOutcome", upstreamOutcome);
    o.put("resultDigest", resultDigest);
    ArrayNode labelArray = o.putArray("labels");
    labels.forEach(labelArray::add);
    o.put("traceId", traceId);
    if (format >= 2) {
      o.put("format", format);
      o.set("findings", findingsJson(findings));
    }
    o.put("prevHash", prevHash);
    return o;
  }

  /** Findings as a JSON array of {category, detector, direction, action, location}. */
  public static ArrayNode findingsJson(List<Finding> findings) {
    ArrayNode a = CanonicalJson.MAPPER.createArrayNode();
    for (Finding f : findings) {
      ObjectNode n = a.addObject();
      n.put("category", f.category());
      n.put("detector", f.detector());
      n.put("direction", f.direction());
      n.put("action", f.action());
      n.put("location", f.location());
    }
    return a;
  }

  /** The whole record, hash included, as one JSON object (the export format, one per line). */
  public ObjectNode toJson() {
    ObjectNode o = contentJson();
    o.put("hash", hash);
    return o;
  }
}
