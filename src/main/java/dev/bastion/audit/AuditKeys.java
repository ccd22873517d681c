package dev.bastion.audit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.Objects;

/**
 * The Ed25519 key that signs checkpoints (JDK provider; no own crypto).
 *
 * <p>On first start {@link #loadOrCreate(Path)} generates a key pair and writes {@code
 * <data_dir>/audit-signing.key} (PKCS#8 PEM, mode 600) and {@code <data_dir>/audit-signing.pub}
 * (X.509 SubjectPublicKeyInfo PEM). Both are written to temporary files, fsynced and moved into
 * place, the public key first, so a crash never leaves a half-written key. Keep a copy of the
 * public key away from the gateway host and verify with it: a verifier that trusts the public key
 * file next to the log cannot notice a replaced key.
 */
public final class AuditKeys {
  public static final String PRIVATE_KEY_FILE = "audit-signing.key";
  public static final String PUBLIC_KEY_FILE = "audit-signing.pub";

  private final PrivateKey privateKey;
  private final PublicKey publicKey;
  private final String keyId;

  private AuditKeys(PrivateKey privateKey, PublicKey publicKey) {
    this.privateKey = privateKey;
    this.publicKey = publicKey;
    this.keyId = keyId(publicKey);
  }

  /** A fresh in-memory key pair (tests, tools). */
  public static AuditKeys generate() {
    try {
      KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
      return new AuditKeys(pair.getPrivate(), pair.getPublic());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK cannot generate Ed25519 keys", e);
    }
  }

  /** Loads the key pair from {@code dataDir}, generating and writing one if there is none. */
  public static AuditKeys loadOrCreate(Path dataDir) {
    Path keyFile = dataDir.resolve(PRIVATE_KEY_FILE);
    Path pubFile = dataDir.resolve(PUBLIC_KEY_FILE);
    try {
      Files.createDirectories(dataDir);
      if (Files.exists(keyFile)) {
        PrivateKey priv = KeyFactory.getInstance("Ed25519")
            .generatePrivate(new PKCS8EncodedKeySpec(pemBody(Files.readString(keyFile), "PRIVATE KEY", keyFile)));
        if (!Files.exists(pubFile)) {
          throw new IllegalStateException("found the audit signing key " + keyFile + " but not its public key " + pubFile
              + "; restore the public key file (it cannot be derived here) or move both away to start a new key");
        }
        return new AuditKeys(priv, readPublicKey(pubFile));
      }
      AuditKeys keys = generate();
      writeAtomically(pubFile, keys.publicKeyPem(), false);
      writeAtomically(keyFile, pem("PRIVATE KEY", keys.privateKey.getEncoded()), true);
      return keys;
    } catch (IOException e) {
      throw new IllegalStateException("cannot read or write the audit signing key in " + dataDir + ": " + e.getMessage(), e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(keyFile + " is not a PKCS#8 Ed25519 private key in PEM form", e);
    }
  }

  /** Reads an X.509 PEM ({@code -----BEGIN PUBLIC KEY-----}) Ed25519 public key. */
  public static PublicKey readPublicKey(Path pemFile) {
    try {
      return KeyFactory.getInstance("Ed25519")
          .generatePublic(new X509EncodedKeySpec(pemBody(Files.readString(pemFile), "PUBLIC KEY", pemFile)));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the audit public key " + pemFile + ": " + e.getMessage(), e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(pemFile + " is not an X.509 Ed25519 public key in PEM form", e);
    }
  }

  /** First 16 hex digits of SHA-256 over the public key's X.509 DER. */
  public static String keyId(PublicKey key) {
    return CanonicalJson.sha256Hex(key.getEncoded()).substring(0, 16);
  }

  public PublicKey publicKey() {
    return publicKey;
  }

  public String keyId() {
    return keyId;
  }

  public String publicKeyPem() {
    return pem("PUBLIC KEY", publicKey.getEncoded());
  }

  /** A checkpoint over {@code (seq, headHash, time)} signed with this key. */
  public Checkpoint sign(long seq, String headHash, Instant time) {
    try {
      Signature s = Signature.getInstance("Ed25519");
      s.initSign(privateKey);
      s.update(Checkpoint.signedBytes(seq, headHash, time, keyId));
      return new Checkpoint(seq, headHash, time, keyId, Base64.getEncoder().encodeToString(s.sign()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 signing failed", e);
    }
  }

  /** Whether {@code checkpoint} carries a valid signature by {@code key} (and names that key). */
  public static boolean verify(PublicKey key, Checkpoint checkpoint) {
    Objects.requireNonNull(key, "key");
    if (!keyId(key).equals(checkpoint.keyId())) {
      return false;
    }
    try {
      Signature s = Signature.getInstance("Ed25519");
      s.initVerify(key);
      s.update(checkpoint.signedBytes());
      return s.verify(Base64.getDecoder().decode(checkpoint.signature()));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
  }

  @Override
  public String toString() {
    return "AuditKeys[keyId=" + keyId + ", private key <redacted>]";
  }

  static String pem(String type, byte[] der) {
    String b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    return "-----BEGIN " + type + "-----\n" + b64 + "\n-----END " + type + "-----\n";
  }

  private static byte[] pemBody(String text, String type, Path file) {
    String begin = "-----BEGIN " + type + "-----";
    String end = "-----END " + type + "-----";
    int b = text.indexOf(begin);
    int e = text.indexOf(end);
    if (b < 0 || e < b) {
      throw new IllegalStateException(file + " has no " + begin + " … " + end + " block");
    }
    return Base64.getMimeDecoder().decode(text.substring(b + begin.length(), e));
  }

  private static void writeAtomically(Path target, String content, boolean secret) throws IOException {
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    if (posix && secret) {
      Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } else {
      Files.createFile(tmp);
    }
    try (var ch = java.nio.channels.FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.wrap(content.getBytes(StandardCharsets.US_ASCII)));
      ch.force(true);
    }
    if (posix && !secret) {
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
    }
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
