package dev.bastion.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigWatcherTest {
  private static final Duration DEBOUNCE = Duration.ofMillis(50);
  private static final Duration RECHECK = Duration.ofMillis(500);

  @TempDir Path dir;
  Path file;
  final List<BastionConfig> valid = new CopyOnWriteArrayList<>();
  final List<List<ConfigError>> invalid = new CopyOnWriteArrayList<>();
  final AtomicReference<BastionConfig> running = new AtomicReference<>();
  ConfigWatcher watcher;

  static String config(int port) {
    return "listen: 127.0.0.1:" + port + "\nupstreams:\n  demo: { builtin: demo }\n";
  }

  /** Replaces the file atomically, so the watcher can never read a half-written file. */
  void save(String content) throws Exception {
    Path tmp = Files.createTempFile(dir, ".bastion", ".tmp");
    Files.writeString(tmp, content);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  @BeforeEach
  void start() throws Exception {
    file = dir.resolve("bastion.yaml");
    Files.writeString(file, config(8001));
    running.set(((ConfigResult.Ok) ConfigLoader.load(file, n -> null)).config());
    watcher = ConfigWatcher.watch(file, n -> null, c -> {
      valid.add(c);
      running.set(c);
    }, invalid::add, DEBOUNCE, RECHECK);
  }

  @AfterEach
  void stop() {
    watcher.close();
  }

  @Test
  void aGoodChangeWrittenInPlaceIsDeliveredAsTheNewConfig() throws Exception {
    Files.writeString(file, config(8002));
    // an in-place write truncates first; a watcher may see that empty moment, so wait for the final state
    await().atMost(Duration.ofSeconds(10)).until(() -> !valid.isEmpty() && valid.getLast().listen().port() == 8002);
    assertThat(running.get().listen().port()).isEqualTo(8002);
    assertThat(invalid).isEmpty();
  }

  @Test
  void aBadChangeIsRejectedWithItsErrorsAndTheRunningConfigStays() throws Exception {
    save("listen: 127.0.0.1:8003\nupstreams:\n  demo: { builtin: nope }\n");
    await().atMost(Duration.ofSeconds(10)).until(() -> invalid.size() == 1);
    assertThat(invalid.getFirst()).extracting(ConfigError::path).containsExactly("upstreams.demo.builtin");
    assertThat(valid).as("nothing of the bad file is applied, not even its valid listen address").isEmpty();
    assertThat(running.get().listen().port()).isEqualTo(8001);

    save(config(8004));
    await().atMost(Duration.ofSeconds(10)).until(() -> valid.size() == 1);
    assertThat(running.get().listen().port()).isEqualTo(8004);
  }

  @Test
  void anEditorsRenameOnSaveIsSeenAsOneChange() throws Exception {
    Path tmp = dir.resolve(".bastion.yaml.swp");
    Files.writeString(tmp, config(8005));
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    await().atMost(Duration.ofSeconds(10)).until(() -> valid.size() == 1);
    assertThat(valid.getFirst().listen().port()).isEqualTo(8005);
    // a later, different change is the next callback: the rename produced exactly one
    save(config(8006));
    await().atMost(Duration.ofSeconds(10)).until(() -> valid.size() == 2);
    assertThat(valid).extracting(c -> c.listen().port()).containsExactly(8005, 8006);
    assertThat(invalid).isEmpty();
  }

  @Test
  void rewritingTheSameContentCausesNoCallback() throws Exception {
    save(config(8001));
    save(config(8001));
    save(config(8007));
    await().atMost(Duration.ofSeconds(10)).until(() -> valid.size() == 1);
    assertThat(valid).extracting(c -> c.listen().port()).containsExactly(8007);
  }

  @Test
  void aDeletedFileIsReportedOnceAndItsReturnIsPickedUp() throws Exception {
    Files.delete(file);
    await().atMost(Duration.ofSeconds(10)).until(() -> invalid.size() == 1);
    assertThat(invalid.getFirst().getFirst().message()).contains("no longer exists");
    save(config(8008));
    await().atMost(Duration.ofSeconds(10)).until(() -> valid.size() == 1);
    assertThat(invalid).hasSize(1);
    assertThat(running.get().listen().port()).isEqualTo(8008);
  }

  @Test
  void aCallbackThatThrowsDoesNotStopTheWatcher() throws Exception {
    watcher.close();
    List<Integer> ports = new CopyOnWriteArrayList<>();
    watcher = ConfigWatcher.watch(file, n -> null, c -> {
      ports.add(c.listen().port());
      throw new IllegalStateException("callback bug");
    }, invalid::add, DEBOUNCE, RECHECK);
    save(config(8009));
    await().atMost(Duration.ofSeconds(10)).until(() -> ports.size() == 1);
    save(config(8010));
    await().atMost(Duration.ofSeconds(10)).until(() -> ports.size() == 2);
    assertThat(ports).containsExactly(8009, 8010);
  }

  @Test
  void afterCloseNoChangeIsDelivered() throws Exception {
    watcher.close();
    save(config(8011));
    await().during(Duration.ofMillis(RECHECK.toMillis() * 2)).atMost(Duration.ofSeconds(5)).until(() -> valid.isEmpty() && invalid.isEmpty());
    assertThat(valid).isEmpty();
  }

  @Test
  void environmentReferencesAreResolvedOnReload() throws Exception {
    watcher.close();
    watcher = ConfigWatcher.watch(file, name -> name.equals("PORT") ? "8012" : null, valid::add, invalid::add, DEBOUNCE, RECHECK);
    save("listen: 127.0.0.1:${env:PORT}\n");
    await().atMost(Duration.ofSeconds(10)).until(() -> valid.size() == 1);
    assertThat(valid.getFirst().listen().port()).isEqualTo(8012);
  }
}
