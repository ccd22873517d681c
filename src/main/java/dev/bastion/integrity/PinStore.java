package dev.bastion.integrity;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.function.UnaryOperator;
import tools.jackson.core.JacksonException;

/**
 * The pins file under the data directory. Every change is a read-modify-write under a lock (an OS
 * file lock, so the gateway and {@code bastion tools approve} never lose each other's changes) and
 * lands atomically: written to a temporary file, forced to disk, then renamed over the old one.
 */
final class PinStore {
  static final String FILE = "pins.json";
  private static final long MAX_BYTES = 64L * 1024 * 1024;
  private static final Object IN_PROCESS = new Object(); // file locks are per JVM, not per thread

  private final Path file;
  private final Path lockFile;

  PinStore(Path file) {
    this.file = file;
    this.lockFile = file.resolveSibling(file.getFileName() + ".lock");
  }

  static PinStore inDataDir(Path dataDir) {
    return new PinStore(dataDir.resolve(FILE));
  }

  Path file() {
    return file;
  }

  /** The current pins (empty if the file does not exist yet). */
  PinFile read() {
    return parse(bytes(file), file.toString());
  }

  /** Applies {@code change} to the current pins under the lock; writes only if the result differs. */
  PinFile update(UnaryOperator<PinFile> change) {
    synchronized (IN_PROCESS) {
      try {
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = ch.lock()) {
          PinFile current = read();
          PinFile next = change.apply(current);
          if (!next.equals(current)) {
            write(next);
          }
          return next;
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot update " + file + ": " + e.getMessage(), e);
      }
    }
  }

  /** A digest of the file as it is now, to notice changes made by another process. */
  byte[] fingerprint() {
    byte[] b = bytes(file);
    try {
      return b == null ? new byte[0] : MessageDigest.getInstance("SHA-256").digest(b);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static boolean same(byte[] a, byte[] b) {
    return Arrays.equals(a, b);
  }

  /** Reads a manifest (a pins file written elsewhere); every pin in it counts as operator-approved. */
  static PinFile readManifest(Path manifest) {
    byte[] b = bytes(manifest);
    if (b == null) {
      throw new IllegalArgumentException(manifest + ": the manifest file does not exist");
    }
    return parse(b, manifest.toString());
  }

  private void write(PinFile pins) throws IOException {
    byte[] out = Definitions.MAPPER.writeValueAsBytes(pins.toJson());
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
      ByteBuffer buf = ByteBuffer.wrap(out);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
    }
    try {
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static byte[] bytes(Path path) {
    try {
      if (Files.size(path) > MAX_BYTES) {
        throw new IllegalArgumentException(path + ": larger than " + MAX_BYTES + " bytes");
      }
      return Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
    }
  }

  private static PinFile parse(byte[] b, String origin) {
    if (b == null || b.length == 0) {
      return PinFile.EMPTY;
    }
    try {
      return PinFile.fromJson(Definitions.MAPPER.readTree(b), origin);
    } catch (JacksonException e) {
      throw new IllegalArgumentException(origin + ": not valid JSON (" + e.getOriginalMessage() + ")", e);
    }
  }
}
