package dev.bastion.integrity;

import java.time.Clock;
import java.util.Optional;

/** Operator approval of a quarantined tool: its pending definition becomes the pinned one. */
final class Approvals {
  private Approvals() {}

  /** What an approval would change: the pinned definition (absent for a new tool) and the pending one. */
  record Review(String server, String tool, Optional<PinFile.Pin> pinned, PinFile.Pending pending) {
    String diff() {
      String before = pinned.map(p -> Definitions.pretty(p.definition())).orElse("");
      String after = Definitions.pretty(pending.definition());
      String oldLabel = pinned.map(p -> "pinned " + Definitions.shortHash(p.hash()) + " (" + p.source().wire() + ")").orElse("(not pinned)");
      String origin =
          pinned.isPresent() && pinned.get().origin() != null && !pinned.get().origin().equals(pending.origin())
              ? "the server's command or URL changed since the pin (origin " + Definitions.shortHash(pinned.get().origin()) + " -> "
                  + Definitions.shortHash(String.valueOf(pending.origin())) + ")\n"
              : "";
      return origin + LineDiff.unified(before, after, oldLabel, "pending " + Definitions.shortHash(pending.hash()) + " (" + String.join(", ", pending.reasons()) + ")");
    }
  }

  /** The pending change of a tool, if it has one. */
  static Optional<Review> review(PinFile pins, String server, String tool) {
    PinFile.Entry e = pins.get(server, tool);
    if (e == null || e.pending() == null) {
      return Optional.empty();
    }
    return Optional.of(new Review(server, tool, Optional.ofNullable(e.pinned()), e.pending()));
  }

  /**
   * Pins the pending definition the operator reviewed (identified by its hash, so a definition that
   * changed again after the review is not approved by mistake).
   *
   * @return false if there is no pending definition with that hash any more
   */
  static boolean approve(PinStore store, String server, String tool, String reviewedHash, Clock clock) {
    boolean[] done = {false};
    store.update(pins -> {
      PinFile.Entry e = pins.get(server, tool);
      if (e == null || e.pending() == null || !e.pending().hash().equals(reviewedHash)) {
        return pins;
      }
      done[0] = true;
      PinFile.Pin pin = new PinFile.Pin(e.pending().hash(), PinFile.Source.APPROVED, clock.instant().toString(), e.pending().definition(), e.pending().origin());
      return pins.with(server, tool, new PinFile.Entry(pin, null));
    });
    return done[0];
  }
}
