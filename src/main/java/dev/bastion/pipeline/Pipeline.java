package dev.bastion.pipeline;

import java.util.List;
import java.util.Objects;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * An immutable, ordered list of stages. Running it walks the list with an index-based chain in the
 * manner of okhttp's interceptor chain. It fails closed: a stage that throws, returns null or
 * proceeds twice turns the exchange into a {@link ReasonCode#STAGE_FAILED} fault naming the stage.
 * The order itself is decided in one place, {@code dev.bastion.gateway.PipelineAssembly}.
 */
public final class Pipeline {
  private static final Logger LOG = Logger.getLogger(Pipeline.class.getName());

  private final List<Stage> stages;

  public Pipeline(List<Stage> stages) {
    if (stages.isEmpty()) {
      throw new IllegalArgumentException("a pipeline needs at least its terminal stage");
    }
    this.stages = List.copyOf(stages);
  }

  public List<Stage> stages() {
    return stages;
  }

  public Outcome run(Exchange exchange) {
    return new RealChain(0).proceed(exchange);
  }

  private final class RealChain implements Stage.Chain {
    private final int index;
    private boolean called;

    RealChain(int index) {
      this.index = index;
    }

    @Override
    public Outcome proceed(Exchange exchange) {
      Objects.requireNonNull(exchange, "exchange");
      Stage previous = index == 0 ? null : stages.get(index - 1);
      if (called) {
        throw new IllegalStateException("stage " + (previous == null ? "?" : previous.name()) + " called proceed twice");
      }
      called = true;
      if (index >= stages.size()) {
        throw new IllegalStateException("the terminal stage " + previous.name() + " must not call proceed");
      }
      Stage stage = stages.get(index);
      Outcome outcome;
      try {
        outcome = stage.handle(exchange, new RealChain(index + 1));
      } catch (RuntimeException | Error e) {
        if (e instanceof VirtualMachineError vme && !(e instanceof StackOverflowError)) {
          throw vme;
        }
        LOG.log(Level.WARNING, "stage " + stage.name() + " failed on exchange " + exchange.id(), e);
        return new Outcome.Failure(Fault.of(ReasonCode.STAGE_FAILED, "the " + stage.name() + " stage failed; the request was denied"));
      }
      if (outcome == null) {
        LOG.warning("stage " + stage.name() + " returned no outcome on exchange " + exchange.id());
        return new Outcome.Failure(Fault.of(ReasonCode.STAGE_FAILED, "the " + stage.name() + " stage returned no outcome; the request was denied"));
      }
      return outcome;
    }
  }
}
