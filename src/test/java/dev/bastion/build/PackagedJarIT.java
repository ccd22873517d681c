package dev.bastion.build;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The jar users run holds what the build steps in src/build/java made of it. */
class PackagedJarIT {
  private static final Path JAR = Path.of("target", "bastion.jar");

  @Test
  void theShippedDataReaderReleasesConsumedNodes() throws Exception {
    try (FileSystem zip = FileSystems.newFileSystem(URI.create("jar:" + JAR.toAbsolutePath().toUri()), Map.of())) {
      ClassModel reader = ClassFile.of().parse(Files.readAllBytes(zip.getPath("/" + DataReaderFix.CLASS_FILE)));
      assertThat(reader.methods().stream().map(m -> m.methodName().stringValue())).contains(DataReaderFix.ADDED_METHOD, "ensureAvailable");
    }
  }

  @Test
  void theShippedPicocliClassesAreInTheJava8Format() throws Exception {
    try (FileSystem zip = FileSystems.newFileSystem(URI.create("jar:" + JAR.toAbsolutePath().toUri()), Map.of());
        Stream<Path> files = Files.walk(zip.getPath("/picocli"))) {
      var majors = files.filter(f -> f.toString().endsWith(".class")).map(f -> major(f)).distinct().toList();
      assertThat(majors).containsExactly(ClassFile.JAVA_8_VERSION);
    }
  }

  private static int major(Path classFile) {
    try {
      return ClassFile.of().parse(Files.readAllBytes(classFile)).majorVersion();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
