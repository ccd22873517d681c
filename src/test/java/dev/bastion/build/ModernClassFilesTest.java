package dev.bastion.build;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.classfile.ClassFile;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The build step that rewrites picocli's class files: every class is rewritten and verifies, and picocli behaves the same. */
class ModernClassFilesTest {

  @Test
  void picocliIsRewrittenToJava8ClassFilesThatParseAndPrintExactlyLikeTheOriginal(@TempDir Path dir) throws Exception {
    Path original = dir.resolve("original");
    Path rewritten = dir.resolve("rewritten");
    copyPicocli(original);
    copyPicocli(rewritten);

    int count = ModernClassFiles.upgrade(rewritten, "picocli/");

    assertThat(count).isGreaterThan(100);
    try (Stream<Path> files = Files.walk(rewritten.resolve("picocli"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
        assertThat(major(f)).as(f.toString()).isEqualTo(ClassFile.JAVA_8_VERSION);
      }
    }
    try (Stream<Path> files = Files.walk(original.resolve("picocli"))) {
      assertThat(files.filter(p -> p.toString().endsWith(".class")).map(ModernClassFilesTest::major).distinct().toList())
          .as("the library as shipped (if this fails, picocli now ships a newer format and the build step can go)")
          .containsExactly(ClassFile.JAVA_5_VERSION);
    }

    List<String[]> cases =
        List.of(
            new String[] {},
            new String[] {"--help"},
            new String[] {"--version"},
            new String[] {"-c", "/tmp/a.yaml", "--port", "9", "--flag", "--tag", "x,y", "r1", "r2"},
            new String[] {"--port", "nine"},
            new String[] {"--nope"},
            new String[] {"sub", "--level", "3"},
            new String[] {"sub"},
            new String[] {"help", "sub"});
    for (String[] args : cases) {
      String expected = probe(original, args);
      assertThat(probe(rewritten, args)).as(String.join(" ", args)).isEqualTo(expected);
    }
    assertThat(probe(rewritten, "--port", "9")).startsWith("exit=7 config=null port=9 flag=false");
    assertThat(probe(rewritten, "--nope")).contains("Unknown option: '--nope'").contains("Usage: probe");
  }

  /** Runs {@link PicocliProbe} in a loader of its own that takes picocli from {@code picocli} (verifying every class it loads). */
  private static String probe(Path picocli, String... args) throws Exception {
    try (ChildFirstLoader loader = new ChildFirstLoader("isolated-picocli", picocli, n -> n.startsWith("picocli."), PicocliProbe.class)) {
      Class<?> probe = Class.forName(PicocliProbe.class.getName(), true, loader);
      assertThat(probe.getClassLoader()).isSameAs(loader);
      assertThat(Class.forName("picocli.CommandLine", false, loader).getClassLoader()).isSameAs(loader);
      return (String) probe.getMethod("run", String[].class).invoke(null, (Object) args);
    }
  }

  private static int major(Path classFile) {
    try {
      return ClassFile.of().parse(classFile).majorVersion();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void copyPicocli(Path to) throws IOException {
    Path jar = Path.of(URI.create(CommandLine.class.getProtectionDomain().getCodeSource().getLocation().toString()));
    try (FileSystem zip = FileSystems.newFileSystem(jar, Map.of()); Stream<Path> files = Files.walk(zip.getPath("/picocli"))) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        Path target = to.resolve(f.toString().substring(1));
        Files.createDirectories(target.getParent());
        Files.copy(f, target);
      }
    }
  }
}
