package dev.bastion.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.helidon.common.buffers.DataReader;
import java.io.IOException;
import java.lang.classfile.ClassFile;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The build step that fixes Helidon's {@code DataReader}: a consumed node no longer links to the
 * rest of the list, and every read gives exactly what the original class gives.
 */
class DataReaderFixTest {

  @Test
  void theFixedReaderReleasesConsumedNodesWhichTheOriginalKeepsLinked(@TempDir Path dir) throws Exception {
    Path original = copyBuffers(dir.resolve("original"));
    Path fixed = copyBuffers(dir.resolve("fixed"));

    DataReaderFix.apply(fixed);

    assertThat(probe(original, "consumedNodeAfterReading"))
        .as("the library as shipped (if this fails, Helidon no longer keeps consumed nodes linked and the build step can go)")
        .isEqualTo("abcdefgh linked");
    assertThat(probe(fixed, "consumedNodeAfterReading")).isEqualTo("abcdefgh released");
  }

  @Test
  void everyReadOverRandomlySplitInputGivesWhatTheOriginalGives(@TempDir Path dir) throws Exception {
    Path original = copyBuffers(dir.resolve("original"));
    Path fixed = copyBuffers(dir.resolve("fixed"));
    DataReaderFix.apply(fixed);

    int reads = 0;
    try (ChildFirstLoader before = loader(original); ChildFirstLoader after = loader(fixed)) {
      for (long seed = 1; seed <= 300; seed++) {
        String expected = probe(before, "run", seed, 400);
        assertThat(probe(after, "run", seed, 400)).as("seed %d", seed).isEqualTo(expected);
        reads += (int) expected.lines().filter(l -> l.contains(" avail ")).count();
      }
    }
    assertThat(reads).as("reads that returned data (the rest threw, as the original does)").isGreaterThan(30_000);
  }

  @Test
  void theStepRefusesAClassItHasAlreadyFixed(@TempDir Path dir) throws Exception {
    Path fixed = copyBuffers(dir.resolve("fixed"));
    DataReaderFix.apply(fixed);
    byte[] once = Files.readAllBytes(fixed.resolve(DataReaderFix.CLASS_FILE));

    assertThatThrownBy(() -> DataReaderFix.apply(fixed)).isInstanceOf(IOException.class).hasMessageContaining("already has advanceHead");
    assertThat(Files.readAllBytes(fixed.resolve(DataReaderFix.CLASS_FILE))).isEqualTo(once);
    assertThat(ClassFile.of().parse(once).methods().stream().filter(m -> m.methodName().equalsString(DataReaderFix.ADDED_METHOD)).count()).isEqualTo(1);
  }

  @Test
  void theStepFailsWhenTheClassIsMissing(@TempDir Path dir) {
    assertThatThrownBy(() -> DataReaderFix.apply(dir)).isInstanceOf(IOException.class).hasMessageContaining("no " + DataReaderFix.CLASS_FILE);
  }

  /** Runs a static method of {@link DataReaderProbe} in a loader of its own that takes Helidon's buffers package from {@code buffers}. */
  private static String probe(Path buffers, String method, Object... args) throws Exception {
    try (ChildFirstLoader loader = loader(buffers)) {
      return probe(loader, method, args);
    }
  }

  private static String probe(ChildFirstLoader loader, String method, Object... args) throws Exception {
    Class<?> probe = Class.forName(DataReaderProbe.class.getName(), true, loader);
    assertThat(Class.forName(DataReader.class.getName(), false, loader).getClassLoader()).isSameAs(loader);
    Class<?>[] types = Stream.of(args).map(a -> a instanceof Long ? long.class : int.class).toArray(Class<?>[]::new);
    return (String) probe.getMethod(method, types).invoke(null, args);
  }

  /** Helidon's buffers package (its classes, not sub-packages) from {@code buffers}, and the probe. */
  private static ChildFirstLoader loader(Path buffers) {
    String pkg = "io.helidon.common.buffers.";
    return new ChildFirstLoader("isolated-buffers", buffers, n -> n.startsWith(pkg) && n.indexOf('.', pkg.length()) < 0, DataReaderProbe.class);
  }

  private static Path copyBuffers(Path to) throws IOException {
    Path jar = Path.of(URI.create(DataReader.class.getProtectionDomain().getCodeSource().getLocation().toString()));
    try (FileSystem zip = FileSystems.newFileSystem(jar, Map.of()); Stream<Path> files = Files.walk(zip.getPath("/io/helidon/common/buffers"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
        Path target = to.resolve(f.toString().substring(1));
        Files.createDirectories(target.getParent());
        Files.copy(f, target);
      }
    }
    return to;
  }
}
