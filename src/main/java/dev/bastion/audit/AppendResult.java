package dev.bastion.audit;

/** What became of one {@link AuditLog#append}. */
public sealed interface AppendResult {

  /** Written and (with {@code durability: sync}) fsynced, at this place in the chain. */
  record Durable(long seq, String hash) implements AppendResult {}

  /**
   * {@code durability: batch}: queued; it will be written within the batch window, and a crash
   * before then loses it.
   */
  record Accepted() implements AppendResult {}

  /** Not recorded; the reason says why (store failure, queue full, log closed). */
  record Failed(String reason) implements AppendResult {}
}
