package dev.bastion.config;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Reloads the config file when it changes and hands each result to the caller.
 *
 * <p>How changes are found: a {@link WatchService} on the file's parent directory (so that editors
 * which save by writing a new file and renaming it over the old one, and Kubernetes' symlink swaps,
 * are seen), plus a periodic re-check in case the file system drops events. Any event in the
 * directory only marks the file as possibly changed; after the directory has been quiet for the
 * debounce period the file is read once, and its SHA-256 is compared with the last content seen.
 * Only different content is parsed, so duplicate events, touches and rewrites of the same bytes
 * cause no callback.
 *
 * <p>Each new content produces exactly one callback: {@code onValid} with the new config, or
 * {@code onInvalid} with all its errors. A rejected file changes nothing; the caller keeps running
 * its last good config (the watcher holds none). A file that disappears is reported once as invalid.
 * Callbacks run one at a time on the watcher's own virtual thread; an exception thrown by a callback
 * is logged and does not stop the watcher. The content present when {@link #watch} is called is the
 * baseline and is not reported: load it with {@link ConfigLoader#load} first.
 */
public final class ConfigWatcher implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(ConfigWatcher.class.getName());

  /** Default quiet period before a changed file is read. */
  public static final Duration DEFAULT_DEBOUNCE = Duration.ofMillis(200);

  /** Default interval of the safety re-check when no events arrive. */
  public static final Duration DEFAULT_RECHECK = Duration.ofSeconds(5);

  private static final byte[] MISSING = new byte[0];
  private static final byte[] TOO_LARGE = new byte[0];

  private final Path file;
  private final Path dir;
  private final Function<String, String> env;
  private final Consumer<BastionConfig> onValid;
  private final Consumer<List<ConfigError>> onInvalid;
  private final Duration debounce;
  private final Duration recheck;
  private final WatchService service;
  private final Thread thread;
  private volatile boolean closed;
  private byte[] lastHash;

  private ConfigWatcher(
      Path file,
      Function<String, String> env,
      Consumer<BastionConfig> onValid,
      Consumer<List<ConfigError>> onInvalid,
      Duration debounce,
      Duration recheck)
      throws IOException {
    this.file = file.toAbsolutePath().normalize();
    this.dir = ConfigLoader.baseDirOf(this.file);
    this.env = env;
    this.onValid = onValid;
    this.onInvalid = onInvalid;
    this.debounce = debounce;
    this.recheck = recheck;
    this.service = FileSystems.getDefault().newWatchService();
    try {
      dir.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE);
    } catch (IOException | RuntimeException e) {
      service.close();
      throw e;
    }
    this.lastHash = hash(read());
    this.thread = Thread.ofVirtual().name("bastion-config-watcher").unstarted(this::run);
  }

  /** Watches {@code file} with the process environment and default timings. */
  public static ConfigWatcher watch(Path file, Consumer<BastionConfig> onValid, Consumer<List<ConfigError>> onInvalid)
      throws IOException {
    return watch(file, System::getenv, onValid, onInvalid, DEFAULT_DEBOUNCE, DEFAULT_RECHECK);
  }

  /**
   * Watches {@code file}.
   *
   * @param env resolves {@code ${env:NAME}} references (null for unset)
   * @param debounce how long the directory must be quiet before the file is read
   * @param recheck how often the file is re-read when no events arrive
   * @throws IOException if the file's directory cannot be watched
   */
  public static ConfigWatcher watch(
      Path file,
      Function<String, String> env,
      Consumer<BastionConfig> onValid,
      Consumer<List<ConfigError>> onInvalid,
      Duration debounce,
      Duration recheck)
      throws IOException {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(env, "env");
    Objects.requireNonNull(onValid, "onValid");
    Objects.requireNonNull(onInvalid, "onInvalid");
    if (debounce.isNegative() || recheck.isNegative() || recheck.isZero()) {
      throw new IllegalArgumentException("debounce must be >= 0 and recheck > 0");
    }
    ConfigWatcher w = new ConfigWatcher(file, env, onValid, onInvalid, debounce, recheck);
    w.thread.start();
    return w;
  }

  /** The file being watched (absolute). */
  public Path file() {
    return file;
  }

  /** Stops watching; no callback starts after this returns (one already running may finish). */
  @Override
  public void close() {
    closed = true;
    try {
      service.close();
    } catch (IOException e) {
      LOG.log(Level.DEBUG, "closing the config watch service failed", e);
    }
    thread.interrupt();
    try {
      if (Thread.currentThread() != thread) {
        thread.join(Duration.ofSeconds(5));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void run() {
    try {
      while (!closed) {
        WatchKey key = service.poll(recheck.toMillis(), TimeUnit.MILLISECONDS);
        if (key != null) {
          drain(key);
          // debounce: wait until the directory has been quiet for the whole period
          WatchKey more;
          while (!closed && (more = service.poll(debounce.toMillis(), TimeUnit.MILLISECONDS)) != null) {
            drain(more);
          }
        }
        if (!closed) {
          check();
        }
      }
    } catch (ClosedWatchServiceException | InterruptedException e) {
      // closed: normal end
    } catch (RuntimeException e) {
      if (!closed) {
        LOG.log(Level.ERROR, "config watcher stopped unexpectedly; config changes are no longer picked up", e);
      }
    }
  }

  private static void drain(WatchKey key) {
    key.pollEvents();
    key.reset();
  }

  private void check() {
    byte[] content = read();
    byte[] h = hash(content);
    if (Arrays.equals(h, lastHash)) {
      return;
    }
    lastHash = h;
    ConfigResult result;
    if (content == null) {
      result = new ConfigResult.Invalid(List.of(new ConfigError("", 0, 0, "the config file " + file + " cannot be read")));
    } else if (content == TOO_LARGE) {
      result = ConfigLoader.parseBytes(new byte[ConfigLoader.MAX_FILE_BYTES + 1], dir, env);
    } else if (content == MISSING) {
      result = new ConfigResult.Invalid(List.of(new ConfigError("", 0, 0, "the config file " + file + " no longer exists")));
    } else {
      result = ConfigLoader.parseBytes(content, dir, env);
    }
    if (closed) {
      return;
    }
    try {
      switch (result) {
        case ConfigResult.Ok ok -> onValid.accept(ok.config());
        case ConfigResult.Invalid invalid -> onInvalid.accept(invalid.errors());
      }
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "a config reload callback failed", e);
    }
  }

  /** The content, {@link #MISSING} if the file is absent, {@link #TOO_LARGE}, or null if unreadable. */
  private byte[] read() {
    try {
      byte[] b = ConfigLoader.readBounded(file);
      return b == null ? TOO_LARGE : b;
    } catch (NoSuchFileException e) {
      return MISSING;
    } catch (IOException e) {
      return null;
    }
  }

  private static byte[] hash(byte[] content) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      if (content == null) {
        return md.digest("\0unreadable".getBytes(java.nio.charset.StandardCharsets.UTF_8));
      }
      if (content == MISSING) {
        return md.digest("\0missing".getBytes(java.nio.charset.StandardCharsets.UTF_8));
      }
      if (content == TOO_LARGE) {
        return md.digest("\0too large".getBytes(java.nio.charset.StandardCharsets.UTF_8));
      }
      return md.digest(content);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always available", e);
    }
  }
}
