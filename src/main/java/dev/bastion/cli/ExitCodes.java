package dev.bastion.cli;

/** Exit codes of every bastion command (documented in the README and {@code bastion --help}). */
public final class ExitCodes {
  /** Success. */
  public static final int OK = 0;
  /** The command ran and found a problem (e.g. audit verification failed). */
  public static final int FAILED = 1;
  /** Invalid usage or an invalid configuration file. */
  public static final int INVALID = 2;
  /** The environment prevents running: port in use, unreadable file, missing JDK. */
  public static final int ENVIRONMENT = 3;

  private ExitCodes() {}
}
