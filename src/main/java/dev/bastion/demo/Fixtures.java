package dev.bastion.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The demo workspace's starting files, bundled on the classpath under {@code demo/files/}. */
final class Fixtures {

  private static final String BASE = "demo/files/";
  private static final String INDEX = "demo/files.index";

  private Fixtures() {}

  /** The root-relative paths of every bundled file (listed in {@code demo/files.index}). */
  static List<String> files() {
    return readResource(INDEX).lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
  }

  /**
   * Creates {@code root} and copies the bundled files into it when it does not exist yet. An
   * existing folder is used as it is, never overwritten.
   *
   * @return true when the folder was created and seeded
   */
  static boolean seedIfAbsent(Path root) throws IOException {
    if (Files.exists(root)) {
      if (!Files.isDirectory(root)) {
        throw new IOException(root + " exists but is not a folder; expected a workspace folder for the demo server");
      }
      return false;
    }
    Files.createDirectories(root);
    for (String relative : files()) {
      Path target = root.resolve(relative).normalize();
      if (!target.startsWith(root)) {
        throw new IllegalStateException("fixture index entry escapes the root: " + relative);
      }
      Files.createDirectories(target.getParent());
      try (InputStream in = open(BASE + relative)) {
        Files.copy(in, target);
      }
    }
    Files.createDirectories(root.resolve("outbox"));
    return true;
  }

  static String readResource(String name) {
    try (InputStream in = open(name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read classpath resource " + name, e);
    }
  }

  private static InputStream open(String name) throws IOException {
    InputStream in = Fixtures.class.getClassLoader().getResourceAsStream(name);
    if (in == null) {
      throw new IOException("classpath resource " + name + " is missing from the build");
    }
    return in;
  }
}
