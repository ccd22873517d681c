package dev.bastion.audit;

/**
 * A store could not do what was asked: the message says what and where, never record contents.
 * {@link #malformedSeq()} names a stored record that could not even be read back (tampered columns).
 */
public final class AuditStoreException extends RuntimeException {
  private final long malformedSeq;

  public AuditStoreException(String message, Throwable cause) {
    super(message, cause);
    this.malformedSeq = -1;
  }

  public AuditStoreException(String message) {
    this(message, null);
  }

  private AuditStoreException(String message, long malformedSeq, Throwable cause) {
    super(message, cause);
    this.malformedSeq = malformedSeq;
  }

  static AuditStoreException malformed(long seq, String what, Throwable cause) {
    return new AuditStoreException("stored record " + seq + " is malformed: " + what, seq, cause);
  }

  /** The seq of an unreadable record, or -1. */
  public long malformedSeq() {
    return malformedSeq;
  }
}
