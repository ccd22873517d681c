package dev.bastion.config;

import java.time.Duration;

/**
 * Where and how audit records are kept.
 *
 * @param store {@code sqlite:PATH} (default: {@code sqlite:<data_dir>/audit.db})
 * @param durability {@code SYNC}: a response waits until its record is on disk; {@code BATCH}: records
 *     are flushed at most {@code batchWindow} later (weaker: a crash can lose that window)
 * @param failOpen serve even when records cannot be written (explicit, recorded at start-up)
 */
public record AuditConfig(String store, Durability durability, Duration batchWindow, Duration checkpointInterval, boolean failOpen) {

  public enum Durability {
    SYNC,
    BATCH
  }
}
