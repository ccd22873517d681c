package dev.bastion.audit;

import java.util.Locale;

/** What {@link AuditVerifier} found. */
public sealed interface VerifyResult {

  /** The whole chain and every checkpoint check out. */
  record Verified(long count, ChainHead head, int checkpoints) implements VerifyResult {}

  /**
   * The first problem, by position in the chain.
   *
   * @param firstBadSeq the first record that cannot be trusted (for a removal: the first missing seq)
   */
  record Broken(long firstBadSeq, Problem what, String detail) implements VerifyResult {}

  enum Problem {
    /** A record's content no longer matches its hash, or it was rewritten with a new hash. */
    ALTERED,
    /** Records are missing (deleted rows, a truncated tail). */
    REMOVED,
    /** Records are intact but out of order. */
    REORDERED,
    /** A checkpoint's signature does not verify with the given public key. */
    BAD_SIGNATURE;

    public String wireName() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }
}
