package dev.bastion.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * The workspace folder the demo tools may touch. Every requested path is checked here, lexically
 * and then on disk: relative only, no escape through {@code ..}, no escape through a symbolic link.
 * The demo server defends itself; the gateway checks paths again in front of it.
 */
final class Sandbox {

  /** Where a requested path leads. */
  sealed interface Resolution {
    /** An existing file or folder inside the root; {@code path} is fully resolved (no links). */
    record Inside(Path path, String relative) implements Resolution {}

    /** The path is well-formed and inside the root, but nothing exists there. */
    record Missing(String requested) implements Resolution {}

    /** The path was refused; {@code reason} says what was wrong and what is expected. */
    record Refused(String reason) implements Resolution {}
  }

  private static final Pattern WINDOWS_DRIVE = Pattern.compile("^[A-Za-z]:.*");

  private final Path root;

  /** @param root an existing folder; it is resolved to its real path once, here */
  Sandbox(Path root) throws IOException {
    this.root = root.toRealPath();
  }

  Path root() {
    return root;
  }

  /** Resolves a path given relative to the root; {@code ""} and {@code "."} mean the root itself. */
  Resolution resolve(String requested) {
    if (requested == null) {
      return new Resolution.Refused("path is missing; expected a path relative to the workspace root");
    }
    for (int i = 0; i < requested.length(); i++) {
      char c = requested.charAt(i);
      if (Character.isISOControl(c)) {
        return new Resolution.Refused("path contains a control character; expected a plain relative path");
      }
    }
    if (requested.indexOf('\\') >= 0) {
      return new Resolution.Refused("path contains a backslash; use forward slashes, e.g. \"notes/roadmap.md\"");
    }
    if (requested.startsWith("/") || requested.startsWith("~") || WINDOWS_DRIVE.matcher(requested).matches()) {
      return new Resolution.Refused(
          "absolute paths are not allowed; give a path relative to the workspace root, e.g. \"notes/roadmap.md\"");
    }
    Path lexical;
    try {
      lexical = root.resolve(requested).normalize();
    } catch (InvalidPathException e) {
      return new Resolution.Refused("path is not valid: " + e.getReason());
    }
    if (!lexical.startsWith(root)) {
      return new Resolution.Refused("path \"" + requested + "\" escapes the workspace root; paths must stay inside it");
    }
    Path real;
    try {
      real = lexical.toRealPath();
    } catch (NoSuchFileException e) {
      return new Resolution.Missing(requested);
    } catch (IOException e) {
      return new Resolution.Refused("path \"" + requested + "\" cannot be resolved: " + e.getClass().getSimpleName());
    }
    if (!real.startsWith(root)) {
      return new Resolution.Refused(
          "path \"" + requested + "\" leads outside the workspace root through a symbolic link");
    }
    return new Resolution.Inside(real, relative(real));
  }

  /** The root-relative form of a resolved path, with forward slashes ("" for the root). */
  String relative(Path inside) {
    return root.relativize(inside).toString().replace(inside.getFileSystem().getSeparator(), "/");
  }

  /** True when {@code path} is a regular file that is not a link (the check used by readers). */
  static boolean isPlainFile(Path path) {
    return Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS);
  }
}
