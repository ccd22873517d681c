package dev.bastion.admin;


/** One thing the gateway needs to serve; {@code /readyz} is ready when every check is. */
public interface Readiness {

  String name();

  Status status();

  sealed interface Status {
    record Ready(String detail) implements Status {}

    record NotReady(String reason) implements Status {}
  }

}
