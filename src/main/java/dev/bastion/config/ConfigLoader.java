package dev.bastion.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * Reads a Bastion YAML configuration into a {@link BastionConfig}, or lists every problem in it.
 *
 * <p>Never throws for bad input: a file that is missing, unreadable, too large, not UTF-8, not
 * YAML, hostile (aliases, deep nesting) or simply wrong comes back as {@link ConfigResult.Invalid}
 * with one {@link ConfigError} per problem, each with a path, a position and a message saying what
 * was expected. {@code ${env:NAME}} references are resolved while binding; their values never appear
 * in errors. See docs/configuration.md for the schema.
 */
public final class ConfigLoader {

  /** Files larger than this are refused before parsing. */
  public static final int MAX_FILE_BYTES = YamlSource.MAX_BYTES;

  private ConfigLoader() {}

  /** Loads {@code file}, resolving references against the process environment. */
  public static ConfigResult load(Path file) {
    return load(file, System::getenv);
  }

  /** Loads {@code file}, resolving {@code ${env:NAME}} with {@code env} (which returns null for unset names). */
  public static ConfigResult load(Path file, Function<String, String> env) {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(env, "env");
    Path absolute = file.toAbsolutePath();
    byte[] bytes;
    try {
      bytes = readBounded(absolute);
    } catch (NoSuchFileException e) {
      return fileError("the config file " + absolute + " does not exist");
    } catch (IOException e) {
      return fileError("the config file " + absolute + " cannot be read: " + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"));
    }
    if (bytes == null) {
      return tooLarge();
    }
    return parseBytes(bytes, baseDirOf(absolute), env);
  }

  /**
   * Parses YAML text. Relative paths resolve against {@code baseDir}; {@code ${env:NAME}} references
   * resolve with {@code env}, which returns null for an unset name.
   */
  public static ConfigResult parse(String yamlText, Path baseDir, Function<String, String> env) {
    Objects.requireNonNull(yamlText, "yamlText");
    Objects.requireNonNull(baseDir, "baseDir");
    Objects.requireNonNull(env, "env");
    if (yamlText.length() > MAX_FILE_BYTES || utf8Length(yamlText) > MAX_FILE_BYTES) {
      return tooLarge();
    }
    Errors errors = new Errors();
    String text = yamlText.startsWith("\uFEFF") ? yamlText.substring(1) : yamlText;
    Optional<Node> root;
    BastionConfig config = null;
    try {
      root = YamlSource.read(text, errors);
      if (errors.isEmpty()) {
        config = new Binder(baseDir.toAbsolutePath().normalize(), env, errors).bind(root);
      }
    } catch (RuntimeException | StackOverflowError e) {
      // a bug here must still not take the gateway down or let a half-read config through
      errors.add(new ConfigError("", 0, 0, "internal error while reading the config (" + e.getClass().getSimpleName()
          + "); the file was rejected, please report this"));
    }
    if (!errors.isEmpty() || config == null) {
      if (errors.isEmpty()) {
        errors.add(new ConfigError("", 0, 0, "internal error: the config was not bound and no reason was recorded"));
      }
      return new ConfigResult.Invalid(errors.sorted());
    }
    return new ConfigResult.Ok(config);
  }

  /** Decodes and parses file content already read (the watcher uses this to hash and parse the same bytes). */
  static ConfigResult parseBytes(byte[] bytes, Path baseDir, Function<String, String> env) {
    if (bytes.length > MAX_FILE_BYTES) {
      return tooLarge();
    }
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      return fileError("the config file is not valid UTF-8 text; save it as UTF-8");
    }
    return parse(text, baseDir, env);
  }

  static Path baseDirOf(Path file) {
    Path parent = file.toAbsolutePath().getParent();
    return parent == null ? file.toAbsolutePath().getRoot() : parent;
  }

  /** The file's bytes, or null if it is larger than the limit (checked while reading, not only by size). */
  static byte[] readBounded(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] bytes = in.readNBytes(MAX_FILE_BYTES + 1);
      return bytes.length > MAX_FILE_BYTES ? null : bytes;
    }
  }

  private static ConfigResult tooLarge() {
    return fileError("the config file is larger than " + MAX_FILE_BYTES + " bytes (1 MiB); a Bastion config is far smaller,"
        + " so this is refused as a likely mistake or attack");
  }

  private static ConfigResult fileError(String message) {
    return new ConfigResult.Invalid(List.of(new ConfigError("", 0, 0, message)));
  }

  private static long utf8Length(String s) {
    long n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        n++;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c)) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    }
    return n;
  }
}
