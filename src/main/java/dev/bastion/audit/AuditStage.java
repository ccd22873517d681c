package dev.bastion.audit;

import dev.bastion.config.AuditConfig;
import dev.bastion.pipeline.Exchange;
import dev.bastion.pipeline.Fault;
import dev.bastion.pipeline.Outcome;
import dev.bastion.pipeline.ReasonCode;
import dev.bastion.pipeline.Stage;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Objects;

/**
 * The {@code record} stage: one audit record per exchange, whatever its outcome.
 *
 * <p>It sits outside every stage that can refuse or act (so denials by inner stages are recorded,
 * and so it can refuse before anything reaches an upstream):
 *
 * <ol>
 *   <li>if the log is {@link AuditHealth.Unavailable}, the exchange is refused with {@code
 *       audit_unavailable} before the rest of the chain runs, so nothing happens upstream that
 *       could not be recorded (this refusal itself cannot be recorded);
 *   <li>otherwise the rest of the chain runs, a record is built from the exchange, its {@link
 *       dev.bastion.pipeline.ExchangeLog} and the outcome, and appended;
 *   <li>with {@code durability: sync} the stage waits until the record is on disk before the
 *       outcome goes back to the agent; if it cannot be written the agent gets {@code
 *       audit_unavailable} instead of the outcome (fail closed).
 * </ol>
 *
 * With {@code failOpen} both refusals become warnings and the original outcome is returned; the log
 * records at start-up that fail-open was on.
 */
public final class AuditStage implements Stage {
  private static final System.Logger LOG = System.getLogger(AuditStage.class.getName());
  /** Longest a request waits for its record; far above a healthy fsync, below client timeouts. */
  static final Duration DURABILITY_WAIT = Duration.ofSeconds(10);

  private final AuditLog log;
  private final ArgumentRedactor redactor;

  public AuditStage(AuditLog log) {
    this(log, new ConservativeRedactor());
  }

  /** With another redactor (the firewall's detectors, once they exist). */
  public AuditStage(AuditLog log, ArgumentRedactor redactor) {
    this.log = Objects.requireNonNull(log, "log");
    this.redactor = Objects.requireNonNull(redactor, "redactor");
  }

  @Override
  public String name() {
    return "record";
  }

  @Override
  public Outcome handle(Exchange exchange, Chain chain) {
    if (log.health() instanceof AuditHealth.Unavailable u) {
      if (!log.failOpen()) {
        return unavailable();
      }
      LOG.log(Level.WARNING, "audit unavailable (" + u.reason() + "); serving exchange " + exchange.id()
          + " unrecorded because audit fail-open is enabled");
    }
    Outcome outcome;
    AuditTicket ticket;
    // in progress until its record is queued: sync-mode group commit waits for it (AuditLog.gatherSync)
    log.exchangeStarted();
    try {
      outcome = chain.proceed(exchange);
      io.opentelemetry.api.trace.SpanContext trace = io.opentelemetry.api.trace.Span.current().getSpanContext();
      ticket = log.append(AuditRecords.from(exchange, exchange.log(), outcome, redactor, trace.isValid() ? trace.getTraceId() : null));
    } finally {
      log.exchangeEnded();
    }
    AppendResult result = log.durability() == AuditConfig.Durability.SYNC
        ? ticket.await(DURABILITY_WAIT)
        : ticket.await(Duration.ZERO);
    return switch (result) {
      case AppendResult.Durable d -> outcome;
      case AppendResult.Accepted a -> outcome;
      case AppendResult.Failed f -> {
        if (log.failOpen()) {
          LOG.log(Level.WARNING, "exchange " + exchange.id() + " was not recorded (" + f.reason()
              + "); returning its outcome because audit fail-open is enabled");
          yield outcome;
        }
        LOG.log(Level.WARNING, "exchange " + exchange.id() + " was not recorded: " + f.reason());
        yield unavailable();
      }
    };
  }

  private static Outcome unavailable() {
    return new Outcome.Failure(Fault.of(ReasonCode.AUDIT_UNAVAILABLE,
        "the request was refused because the audit log cannot record it right now; retry later"));
  }
}
