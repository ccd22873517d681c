package dev.bastion.pipeline;

/**
 * One step of the pipeline. A stage looks at the exchange and either answers it itself (a denial, a
 * cached answer) or passes it, possibly transformed, to the rest of the chain and then looks at (or
 * rewrites) the outcome. Stages are blocking code on virtual threads.
 */
public interface Stage {

  /** A short, stable name used in logs and in the fault raised when the stage fails. */
  String name();

  Outcome handle(Exchange exchange, Chain chain);

  /** The rest of the pipeline after the current stage. */
  interface Chain {
    Outcome proceed(Exchange exchange);
  }
}
