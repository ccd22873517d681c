package dev.bastion.audit;

/** The end of the chain: the last record's seq and hash ({@code 0} and 64 zeros when empty). */
public record ChainHead(long seq, String hash) {
  public static final ChainHead EMPTY = new ChainHead(0, AuditRecord.GENESIS_HASH);
}
