package dev.bastion.audit;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import tools.jackson.databind.node.ObjectNode;

/**
 * A signed statement "the chain had {@code seq} records and ended in {@code headHash} at {@code
 * time}", in the manner of a Certificate Transparency signed tree head.
 *
 * <p>The signed bytes are {@code "bastion-audit-checkpoint-v1\n"} followed by the canonical JSON of
 * {@code {"headHash","keyId","seq","time"}}; the signature is Ed25519, base64.
 *
 * @param keyId the first 16 hex digits of SHA-256 of the signing public key (X.509 DER)
 */
public record Checkpoint(long seq, String headHash, Instant time, String keyId, String signature) {
  static final String DOMAIN = "bastion-audit-checkpoint-v1\n";

  public Checkpoint {
    Objects.requireNonNull(headHash, "headHash");
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(keyId, "keyId");
    Objects.requireNonNull(signature, "signature");
    time = time.truncatedTo(ChronoUnit.MICROS);
  }

  /** The bytes the signature covers. */
  public byte[] signedBytes() {
    return signedBytes(seq, headHash, time, keyId);
  }

  static byte[] signedBytes(long seq, String headHash, Instant time, String keyId) {
    ObjectNode o = CanonicalJson.MAPPER.createObjectNode();
    o.put("headHash", headHash);
    o.put("keyId", keyId);
    o.put("seq", seq);
    o.put("time", time.truncatedTo(ChronoUnit.MICROS).toString());
    return (DOMAIN + CanonicalJson.write(o)).getBytes(StandardCharsets.UTF_8);
  }
}
