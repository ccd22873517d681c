package dev.bastion.audit;

import java.time.Instant;

/**
 * A filter over records; null members match everything.
 *
 * @param since inclusive lower bound on the record time
 * @param until exclusive upper bound on the record time
 * @param afterSeq only records with a greater seq (0: from the start)
 * @param limit at most this many records
 * @param finding only records with a finding of this detector or category
 */
public record AuditQuery(
    String agent, String target, AuditRecord.Effect effect, Instant since, Instant until, long afterSeq, int limit,
    String finding) {

  public AuditQuery(String agent, String target, AuditRecord.Effect effect, Instant since, Instant until, long afterSeq, int limit) {
    this(agent, target, effect, since, until, afterSeq, limit, null);
  }

  public static AuditQuery all(long afterSeq, int limit) {
    return new AuditQuery(null, null, null, null, null, afterSeq, limit);
  }

  public AuditQuery after(long seq) {
    return new AuditQuery(agent, target, effect, since, until, seq, limit, finding);
  }
}
