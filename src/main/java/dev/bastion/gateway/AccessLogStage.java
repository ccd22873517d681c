package dev.bastion.gateway;

import dev.bastion.jsonrpc.JsonRpcCodec;
import dev.bastion.pipeline.Decision;
import dev.bastion.pipeline.Exchange;
import dev.bastion.pipeline.ExchangeLog;
import dev.bastion.pipeline.Outcome;
import dev.bastion.pipeline.Stage;
import java.util.logging.Logger;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes one structured access line per exchange, after everything else has run (so it sees audit
 * failures too). It logs who, what and how it ended — never arguments, results or credentials.
 */
public final class AccessLogStage implements Stage {
  private static final Logger ACCESS = Logger.getLogger("bastion.access");
  private final JsonRpcCodec codec;

  public AccessLogStage(JsonRpcCodec codec) {
    this.codec = codec;
  }

  @Override
  public String name() {
    return "access-log";
  }

  @Override
  public Outcome handle(Exchange exchange, Chain chain) {
    long start = System.nanoTime();
    Outcome outcome = chain.proceed(exchange);
    if (ACCESS.isLoggable(java.util.logging.Level.INFO)) {
      ACCESS.info(line(exchange, outcome, (System.nanoTime() - start) / 1_000));
    }
    return outcome;
  }

  String line(Exchange exchange, Outcome outcome, long micros) {
    ExchangeLog log = exchange.log();
    ObjectNode o = JsonRpcCodec.nodes().objectNode();
    o.put("exchange", exchange.id());
    o.put("agent", log.principal().agentId());
    o.put("era", exchange.era().name().toLowerCase(java.util.Locale.ROOT));
    o.put("method", exchange.method());
    if (!log.target().server().isEmpty()) {
      o.put("server", log.target().server());
      o.put("target", log.target().upstreamName());
    }
    if (log.decision() != null) {
      o.put(
          "decision",
          switch (log.decision()) {
            case Decision.Allow a -> "allow";
            case Decision.Deny d -> "deny";
            case Decision.Ask a -> "ask";
          });
    }
    switch (outcome) {
      case Outcome.Success s -> o.put("outcome", "ok");
      case Outcome.UpstreamError u -> o.put("outcome", "upstream_error").put("code", u.code());
      case Outcome.Failure f -> o.put("outcome", "denied").put("reason", f.fault().code().wireName());
    }
    if (log.upstreamLatency() != null) {
      o.put("upstream_ms", log.upstreamLatency().toNanos() / 1e6);
    }
    o.put("duration_ms", micros / 1000.0);
    return codec.mapper().writeValueAsString(o);
  }
}
