package dev.bastion.telemetry;

/**
 * A part of the pipeline that gets its own child span under the exchange's server span.
 * {@link Mode#BEFORE} phases judge before passing the exchange on: their span covers the stage's
 * own work up to the hand-off (or to its answer if it refuses). {@link Mode#AFTER} phases act on
 * the outcome: their span covers the work after the rest of the pipeline returned.
 */
public enum Phase {
  IDENTIFY("bastion.identify", Mode.BEFORE),
  POLICY("bastion.policy", Mode.BEFORE),
  INSPECTION("bastion.inspection", Mode.BEFORE),
  RESPONSE_INSPECTION("bastion.inspection.response", Mode.AFTER),
  AUDIT("bastion.audit", Mode.AFTER);

  enum Mode {
    BEFORE,
    AFTER
  }

  final String spanName;
  final Mode mode;

  Phase(String spanName, Mode mode) {
    this.spanName = spanName;
    this.mode = mode;
  }
}
