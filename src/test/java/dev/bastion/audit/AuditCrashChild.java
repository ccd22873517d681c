package dev.bastion.audit;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;

/**
 * The process {@link AuditCrashTest} kills: appends records with {@code durability: sync} from 8
 * virtual threads and prints {@code ACK <exchange id>} after each one is durable, as a gateway
 * answers an agent only after its record is on disk. Runs until killed.
 */
public final class AuditCrashChild {
  private AuditCrashChild() {}

  public static void main(String[] args) throws Exception {
    Path dataDir = Path.of(args[0]);
    String run = args[1];
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    AuditLog log = AuditLog.open(Fixtures.sync(), dataDir, AuditLog.Tuning.DEFAULTS.withCheckpointEveryRecords(97));
    out.println("READY");
    try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int w = 0; w < 8; w++) {
        int writer = w;
        pool.submit(() -> {
          for (long i = 0; ; i++) {
            AuditRecord r = Fixtures.record("crash-" + writer, "tool", AuditRecord.Effect.ALLOW);
            AuditRecord named = new AuditRecord(0, r.time(), run + "-" + writer + "-" + i, r.agent(), r.user(), r.session(),
                r.era(), r.protocolVersion(), r.method(), r.server(), r.target(), r.argsDigest(), r.args(), r.effect(),
                r.ruleIds(), r.reason(), r.upstreamLatencyMs(), r.upstreamOutcome(), r.resultDigest(), r.labels(),
                r.traceId(), null, null);
            if (log.append(named).await(Duration.ofSeconds(30)) instanceof AppendResult.Durable) {
              out.println("ACK " + named.exchangeId());
            }
          }
        });
      }
    }
  }
}
