package dev.bastion.inspect;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Confines a path argument to allowed roots. The value is percent-decoded until stable (at most
 * three rounds, so {@code %252e%252e} is seen as {@code ..}), a {@code file:} scheme is removed,
 * then the path is resolved against the first root and normalised; it must lie inside a root. If it
 * (or its nearest existing ancestor) exists, its real path, symlinks followed, must lie inside a
 * root's real path too. Secret files (SSH, cloud and package-manager credentials, {@code .env},
 * private keys) are refused even inside a root.
 */
public final class PathCheck {
  private static final Pattern SECRET_SEGMENT = Pattern.compile(
      "(?i)(\\.ssh|\\.aws|\\.gnupg|\\.kube|\\.docker|\\.azure|\\.config/gcloud|\\.netrc|\\.npmrc|\\.pypirc|\\.git-credentials"
          + "|\\.env(\\..*)?|id_(rsa|dsa|ecdsa|ed25519)(\\.pub)?|.*\\.pem|.*\\.key|.*\\.p12|.*\\.pfx|credentials(\\.json)?|\\.htpasswd|shadow)");

  private final List<Path> roots;

  public PathCheck(List<Path> roots) {
    this.roots = roots.stream().map(r -> r.toAbsolutePath().normalize()).toList();
  }

  /** Empty if the path is acceptable, else the detector id of the problem. */
  public Optional<String> check(String value) {
    if (value.isEmpty()) {
      return Optional.empty();
    }
    String decoded = value;
    for (int round = 0; round < 3 && decoded.indexOf('%') >= 0; round++) {
      String next = EncodedSpans.percentDecode(decoded);
      if (next == null || next.equals(decoded)) {
        break;
      }
      decoded = next;
    }
    if (decoded.indexOf('\0') >= 0 || decoded.chars().anyMatch(c -> c < 0x20)) {
      return Optional.of("path_control_character");
    }
    if (decoded.regionMatches(true, 0, "file:", 0, 5)) {
      decoded = decoded.substring(5).replaceFirst("^//(localhost)?", "");
    }
    if (decoded.startsWith("~")) {
      return Optional.of("path_home_reference");
    }
    String normalizedSlashes = decoded.replace('\\', '/');
    for (String segment : normalizedSlashes.split("/")) {
      if (SECRET_SEGMENT.matcher(segment).matches()) {
        return Optional.of("secret_file");
      }
    }
    if (normalizedSlashes.contains(".config/gcloud")) {
      return Optional.of("secret_file");
    }
    Path candidate;
    try {
      Path p = Path.of(normalizedSlashes);
      candidate = (p.isAbsolute() ? p : roots.get(0).resolve(p)).normalize();
    } catch (InvalidPathException e) {
      return Optional.of("path_invalid");
    }
    boolean inside = roots.stream().anyMatch(candidate::startsWith);
    if (!inside) {
      return Optional.of(normalizedSlashes.contains("..") ? "path_traversal" : "path_outside_roots");
    }
    Path existing = candidate;
    while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
      existing = existing.getParent();
    }
    if (existing != null) {
      try {
        Path real = existing.toRealPath();
        boolean realInside = false;
        for (Path root : roots) {
          Path rootReal = Files.exists(root) ? root.toRealPath() : root;
          if (real.startsWith(rootReal)) {
            realInside = true;
            break;
          }
        }
        if (!realInside) {
          return Optional.of("symlink_escape");
        }
      } catch (IOException e) {
        return Optional.of("path_unresolvable");
      }
    }
    return Optional.empty();
  }

  static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }
}
