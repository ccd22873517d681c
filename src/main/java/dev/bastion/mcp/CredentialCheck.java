package dev.bastion.mcp;

import dev.bastion.pipeline.Exchange;
import dev.bastion.pipeline.Principal;

/**
 * Authenticates the non-JSON-RPC requests of the listener (GET stream, DELETE session) with the
 * same authenticator the identify stage uses. Returns {@link Principal#UNIDENTIFIED} on rejection.
 */
@FunctionalInterface
public interface CredentialCheck {
  Principal authenticate(Exchange.Credential credential);
}
