package dev.bastion.audit;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bastion audit …}: verify, query, tail, export and the public key, all offline and
 * read-only (safe while the gateway runs: SQLite WAL lets readers in). Exit codes: 0 ok, 1 the log
 * is broken ({@code verify}), 2 usage or I/O error.
 *
 * <p>Self-contained: add {@code AuditCommand.class} to the root command's subcommands.
 */
@Command(
    name = "audit",
    mixinStandardHelpOptions = true,
    description = "Verify, query, tail and export the tamper-evident audit log.",
    subcommands = {
      AuditCommand.Verify.class,
      AuditCommand.Query.class,
      AuditCommand.Tail.class,
      AuditCommand.Export.class,
      AuditCommand.Pubkey.class,
      AuditBenchCommand.class
    })
public final class AuditCommand implements Callable<Integer> {
  public static final int OK = 0;
  public static final int BROKEN = 1;
  public static final int ERROR = 2;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return ERROR;
  }

  /** A picocli command line for {@code audit}, with I/O errors turned into exit code 2. */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new AuditCommand());
    cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      commandLine.getErr().println("error: " + e.getMessage());
      return ERROR;
    });
    return cl;
  }

  /** Where the log is. */
  public static final class StoreOptions {
    @Option(names = "--data-dir", defaultValue = "data", paramLabel = "DIR",
        description = "Bastion's data directory (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--store", paramLabel = "sqlite:PATH",
        description = "The audit store (default: sqlite:<data-dir>/audit.db; relative paths are under the data directory).")
    String store;

    AuditStore open() {
      return AuditStores.openReadOnly(store, dataDir);
    }
  }

  /** Output format of records. */
  public enum Format {
    table,
    jsonl
  }

  @Command(name = "verify", mixinStandardHelpOptions = true,
      description = "Check the hash chain and every signed checkpoint; exit 0 if intact, 1 naming the first bad record.")
  static final class Verify implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin StoreOptions where;

    @Option(names = "--pubkey", paramLabel = "FILE",
        description = "The checkpoint public key (PEM). Default: <data-dir>/audit-signing.pub; pass an offline copy to detect a replaced key.")
    Path pubkey;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      Path keyFile = pubkey != null ? pubkey : where.dataDir.resolve(AuditKeys.PUBLIC_KEY_FILE);
      PublicKey key = AuditKeys.readPublicKey(keyFile);
      try (AuditStore store = where.open()) {
        VerifyResult r = AuditVerifier.verify(store, key);
        return switch (r) {
          case VerifyResult.Verified v -> {
            out.println("OK: " + v.count() + " records, head seq " + v.head().seq() + " " + v.head().hash() + ", "
                + v.checkpoints() + " signed checkpoints verified with key " + AuditKeys.keyId(key));
            if (pubkey == null) {
              out.println("note: the public key was read from the data directory; verify with --pubkey <offline copy>"
                  + " to also detect a replaced key");
            }
            yield OK;
          }
          case VerifyResult.Broken b -> {
            out.println("BROKEN at record " + b.firstBadSeq() + ": " + b.what().wireName() + ": " + b.detail());
            yield BROKEN;
          }
        };
      }
    }
  }

  @Command(name = "query", mixinStandardHelpOptions = true, description = "List records matching filters.")
  static final class Query implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin StoreOptions where;

    @Option(names = "--agent", description = "Only this agent id.") String agent;
    @Option(names = "--tool", description = "Only this tool/target name (as the agent used it).") String tool;
    @Option(names = "--decision", paramLabel = "allow|deny|ask|error", description = "Only this effect.") String decision;
    @Option(names = "--finding", paramLabel = "DETECTOR|CATEGORY",
        description = "Only records with a firewall finding of this detector (e.g. aws_access_key) or category (e.g. secret).") String finding;
    @Option(names = "--since", paramLabel = "ISO", description = "From this instant (inclusive), e.g. 2026-01-31T00:00:00Z.") String since;
    @Option(names = "--until", paramLabel = "ISO", description = "Before this instant (exclusive).") String until;
    @Option(names = "--format", defaultValue = "table", description = "table or jsonl (default: ${DEFAULT-VALUE}).") Format format;
    @Option(names = "--limit", defaultValue = "1000", description = "At most this many records (default: ${DEFAULT-VALUE}).") int limit;

    @Override
    public Integer call() {
      AuditRecord.Effect effect;
      Instant from;
      Instant to;
      try {
        effect = decision == null ? null : AuditRecord.Effect.parse(decision);
        from = since == null ? null : Instant.parse(since);
        to = until == null ? null : Instant.parse(until);
      } catch (IllegalArgumentException | DateTimeParseException e) {
        throw new CommandLine.ParameterException(spec.commandLine(),
            e.getMessage() + " (times are ISO-8601 instants such as 2026-01-31T12:00:00Z)");
      }
      PrintWriter out = spec.commandLine().getOut();
      try (AuditStore store = where.open()) {
        Printer printer = new Printer(out, format);
        AuditQuery q = new AuditQuery(agent, tool, effect, from, to, 0, Math.min(limit, 1000), finding);
        int printed = 0;
        while (printed < limit) {
          List<AuditRecord> page = store.query(q);
          if (page.isEmpty()) {
            break;
          }
          for (AuditRecord r : page) {
            if (printed++ >= limit) {
              break;
            }
            printer.print(r);
          }
          q = q.after(page.getLast().seq());
        }
        out.flush();
      }
      return OK;
    }
  }

  @Command(name = "tail", mixinStandardHelpOptions = true, description = "Show the newest records; -f keeps following.")
  static final class Tail implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin StoreOptions where;

    @Option(names = {"-f", "--follow"}, description = "Keep printing new records as they are written.") boolean follow;
    @Option(names = {"-n", "--lines"}, defaultValue = "10", description = "How many records to show first (default: ${DEFAULT-VALUE}).") int lines;
    @Option(names = "--format", defaultValue = "table", description = "table or jsonl (default: ${DEFAULT-VALUE}).") Format format;
    @Option(names = "--interval-ms", defaultValue = "500", description = "Polling interval with -f (default: ${DEFAULT-VALUE}).") long intervalMs;

    @Override
    public Integer call() throws InterruptedException {
      PrintWriter out = spec.commandLine().getOut();
      Printer printer = new Printer(out, format);
      try (AuditStore store = where.open()) {
        long last = Math.max(0, store.head().seq() - lines);
        last = printFrom(store, printer, last);
        out.flush();
        while (follow) {
          Thread.sleep(intervalMs); // a CLI polling the store's head; not synchronisation
          if (store.head().seq() > last) {
            last = printFrom(store, printer, last);
            out.flush();
          }
        }
      }
      return OK;
    }

    private static long printFrom(AuditStore store, Printer printer, long after) {
      long last = after;
      while (true) {
        List<AuditRecord> page = store.read(last + 1, 1000);
        if (page.isEmpty()) {
          return last;
        }
        page.forEach(printer::print);
        last = page.getLast().seq();
      }
    }
  }

  @Command(name = "export", mixinStandardHelpOptions = true,
      description = "Write every record as JSON Lines (one canonical JSON object per record) for a SIEM.")
  static final class Export implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin StoreOptions where;

    @Option(names = "--format", defaultValue = "jsonl", description = "Only jsonl (default).") Format format;
    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write here instead of standard output.") Path output;
    @Option(names = "--after-seq", defaultValue = "0", description = "Only records after this seq (incremental export).") long afterSeq;

    @Override
    public Integer call() throws IOException {
      if (format != Format.jsonl) {
        throw new CommandLine.ParameterException(spec.commandLine(), "export writes jsonl only; got --format " + format);
      }
      try (AuditStore store = where.open()) {
        if (output == null) {
          write(store, spec.commandLine().getOut());
        } else {
          try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(output, StandardCharsets.UTF_8))) {
            write(store, w);
          }
        }
      }
      return OK;
    }

    private void write(AuditStore store, PrintWriter w) {
      long last = afterSeq;
      while (true) {
        List<AuditRecord> page = store.read(last + 1, 2000);
        if (page.isEmpty()) {
          break;
        }
        for (AuditRecord r : page) {
          w.println(CanonicalJson.write(r.toJson()));
        }
        last = page.getLast().seq();
      }
      w.flush();
    }
  }

  @Command(name = "pubkey", mixinStandardHelpOptions = true,
      description = "Print the checkpoint signing public key (X.509 PEM); keep a copy off the host.")
  static final class Pubkey implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin StoreOptions where;

    @Option(names = "--key-id", description = "Print only the key id (first 16 hex of SHA-256 of the key).") boolean keyIdOnly;

    @Override
    public Integer call() {
      Path file = where.dataDir.resolve(AuditKeys.PUBLIC_KEY_FILE);
      PublicKey key = AuditKeys.readPublicKey(file);
      PrintWriter out = spec.commandLine().getOut();
      out.print(keyIdOnly ? AuditKeys.keyId(key) + "\n" : AuditKeys.pem("PUBLIC KEY", key.getEncoded()));
      out.flush();
      return OK;
    }
  }

  /** Table or JSON Lines output of records. */
  private static final class Printer {
    private final PrintWriter out;
    private final Format format;
    private boolean header;

    Printer(PrintWriter out, Format format) {
      this.out = out;
      this.format = format;
    }

    void print(AuditRecord r) {
      switch (format) {
        case jsonl -> out.println(CanonicalJson.write(r.toJson()));
        case table -> {
          if (!header) {
            out.println(String.format("%-8s %-27s %-16s %-16s %-28s %-6s %-20s %-8s %s",
                "SEQ", "TIME", "AGENT", "METHOD", "TARGET", "EFFECT", "REASON", "LATENCY", "FINDINGS"));
            header = true;
          }
          out.println(String.format("%-8d %-27s %-16s %-16s %-28s %-6s %-20s %-8s %s", r.seq(), r.time(), cell(r.agent()),
              cell(r.method()), cell(r.server().isEmpty() ? r.target() : r.server() + "/" + r.target()),
              r.effect().wireName(), cell(r.reason()), r.upstreamLatencyMs() == null ? "-" : r.upstreamLatencyMs() + "ms",
              findings(r)));
        }
      }
    }

    /** {@code detector:action@location, ...}, at most three, then a count. */
    private static String findings(AuditRecord r) {
      if (r.findings().isEmpty()) {
        return "-";
      }
      StringBuilder b = new StringBuilder();
      int shown = 0;
      for (dev.bastion.pipeline.Finding f : r.findings()) {
        if (shown == 3) {
          b.append(" +").append(r.findings().size() - 3).append(" more");
          break;
        }
        b.append(shown++ == 0 ? "" : ", ").append(f.detector()).append(':').append(f.action()).append('@')
            .append(f.location().replaceAll("\\p{Cntrl}", "?"));
      }
      return b.toString();
    }

    private static String cell(String s) {
      if (s == null || s.isEmpty()) {
        return "-";
      }
      String clean = s.replaceAll("\\p{Cntrl}", "?");
      return clean.length() > 40 ? clean.substring(0, 39) + "…" : clean;
    }
  }
}
