package dev.bastion.identity;

import dev.bastion.config.AgentConfig;
import dev.bastion.config.BastionConfig;
import dev.bastion.pipeline.Exchange;
import dev.bastion.pipeline.Principal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Authenticates {@code Authorization: Bearer <api key>} against the agents' stored SHA-256 key
 * digests.
 *
 * <p>Timing: the presented key is hashed once, then compared with <em>every</em> configured digest
 * using {@link MessageDigest#isEqual} (constant time for equal-length inputs), without stopping at
 * the first match. The time taken therefore depends only on the number of configured digests, not
 * on which agent (if any) matched. (A hash-map lookup keyed by the digest would also be safe — the
 * digest of an unknown key reveals nothing about stored keys — but the scan is simpler to reason
 * about and agent lists are small.) A key whose digest matches two agents is rejected: the
 * configuration is ambiguous and we fail closed.
 */
public final class ApiKeyAuthenticator implements Authenticator {

  public static final String AUTH_METHOD = "api_key";

  /** One configured key digest and the (immutable) answer for it, built once at config load. */
  private record Entry(byte[] digest, AuthResult.Authenticated authenticated) {}

  private final List<Entry> entries;

  public ApiKeyAuthenticator(Collection<AgentConfig> agents) {
    List<Entry> list = new ArrayList<>();
    for (AgentConfig agent : agents) {
      for (byte[] digest : agent.keyDigests()) {
        if (digest.length != 32) {
          throw new IllegalArgumentException("agent " + agent.id() + ": a key digest must be 32 bytes (SHA-256), got " + digest.length);
        }
        list.add(new Entry(digest.clone(), new AuthResult.Authenticated(Principal.agent(agent.id(), agent.roles(), AUTH_METHOD))));
      }
    }
    this.entries = List.copyOf(list);
  }

  public static ApiKeyAuthenticator fromConfig(BastionConfig config) {
    return new ApiKeyAuthenticator(config.agents().values());
  }

  @Override
  public String name() {
    return AUTH_METHOD;
  }

  @Override
  public AuthResult authenticate(Exchange.Credential credential) {
    if (credential == null || !credential.present()) {
      return new AuthResult.Rejected(AuthResult.Rejection.MISSING_CREDENTIAL, "no credential presented");
    }
    if (!"Bearer".equalsIgnoreCase(credential.scheme())) {
      return AuthResult.ABSTAINED;
    }
    byte[] presented = sha256(credential.secret().getBytes(StandardCharsets.UTF_8));
    Entry match = null;
    int matches = 0;
    for (Entry entry : entries) {
      // no early exit: every digest is compared whatever the outcome
      if (MessageDigest.isEqual(entry.digest(), presented)) {
        match = entry;
        matches++;
      }
    }
    if (matches == 0) {
      return new AuthResult.Rejected(AuthResult.Rejection.INVALID_CREDENTIAL, "api key matches no agent");
    }
    if (matches > 1) {
      return new AuthResult.Rejected(AuthResult.Rejection.INVALID_CREDENTIAL, "api key digest is configured for more than one agent");
    }
    return match.authenticated();
  }

  /**
   * A SHA-256 digest in its initial state, cloned per use: a clone copies a few words of state,
   * where {@link MessageDigest#getInstance} looks the algorithm up in the providers every time (a
   * measurable share of a request's CPU). Never updated itself, so sharing it is safe.
   */
  private static final MessageDigest SHA_256 = newSha256();

  /** SHA-256 of the input; the form agent key digests are stored in. */
  public static byte[] sha256(byte[] input) {
    MessageDigest digest;
    try {
      digest = (MessageDigest) SHA_256.clone();
    } catch (CloneNotSupportedException e) {
      digest = newSha256(); // a provider whose digest cannot be cloned: look it up each time
    }
    return digest.digest(input);
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }
}
