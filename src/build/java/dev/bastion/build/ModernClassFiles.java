package dev.bastion.build;

import java.io.IOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassFileVersion;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeTransform;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Build step (run by Maven after the shade plugin, as a single-file program): rewrites the class
 * files of one library inside the shaded jar from the Java 5 class-file format (major version 49)
 * to Java 8's (52), with the stack-map frames that format carries. Nothing else in a class changes:
 * the same constant pool entries, fields, methods and instructions, re-emitted by the JDK's class-file
 * API, which computes the frames; every rewritten class must pass the API's verifier or the build
 * fails.
 *
 * <p>Why: picocli ships Java 5 class files, and the JDK's AOT cache (the launcher's
 * {@code -XX:AOTCache}) does not store classes of a format older than Java 6 once they have been
 * linked, so its ~170 classes were read from the jar and verified by the old type-inferring
 * verifier on every start of every command (docs/benchmarks.md, start-up). In the Java 8 format they
 * are cached and linked ahead of time like the rest of the jar.
 *
 * <pre>java ModernClassFiles.java target/bastion.jar picocli/</pre>
 */
public final class ModernClassFiles {
  /** The version written: Java 8, the oldest whose classes must carry stack-map frames. */
  static final int TARGET_MAJOR = ClassFile.JAVA_8_VERSION;

  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      System.err.println("usage: ModernClassFiles <jar> <package-prefix/>");
      System.exit(2);
    }
    Path jar = Path.of(args[0]).toAbsolutePath();
    int rewritten;
    try (FileSystem zip = FileSystems.newFileSystem(URI.create("jar:" + jar.toUri()), Map.of())) {
      rewritten = upgrade(zip.getPath("/"), args[1]);
    }
    System.out.println("ModernClassFiles: " + rewritten + " class files under " + args[1] + " in " + jar.getFileName() + " rewritten to class-file version " + TARGET_MAJOR);
  }

  /**
   * Rewrites every class file under {@code prefix} (below {@code root}) whose version is older than
   * {@link #TARGET_MAJOR}; returns how many were rewritten. Throws when a rewritten class does not
   * verify.
   */
  static int upgrade(Path root, String prefix) throws IOException {
    Path dir = root.resolve(prefix);
    if (!Files.isDirectory(dir)) {
      throw new IOException("no " + prefix + " in " + root);
    }
    List<Path> classes;
    try (Stream<Path> files = Files.walk(dir)) {
      classes = files.filter(f -> f.toString().endsWith(".class")).sorted().toList();
    }
    ClassFile reader = ClassFile.of();
    ClassFile writer = ClassFile.of(ClassFile.StackMapsOption.GENERATE_STACK_MAPS, ClassFile.ClassHierarchyResolverOption.of(JarClasses.resolver(root)));
    int rewritten = 0;
    List<String> failures = new ArrayList<>();
    for (Path file : classes) {
      byte[] in = Files.readAllBytes(file);
      byte[] out = upgrade(reader, writer, in);
      if (out == in) {
        continue;
      }
      List<VerifyError> errors = writer.verify(out);
      if (!errors.isEmpty()) {
        failures.add(file + ": " + errors.getFirst().getMessage());
        continue;
      }
      Files.write(file, out);
      rewritten++;
    }
    if (!failures.isEmpty()) {
      throw new IOException("rewritten class files do not verify:\n  " + String.join("\n  ", failures));
    }
    return rewritten;
  }

  /** The class in the newer format, or {@code in} itself when it is already Java 6 or newer. */
  static byte[] upgrade(ClassFile reader, ClassFile writer, byte[] in) {
    ClassModel model = reader.parse(in);
    if (model.majorVersion() >= ClassFile.JAVA_6_VERSION) {
      return in;
    }
    // re-emitting every method body makes the writer compute its frames
    ClassTransform newVersion = (builder, element) -> {
      if (element instanceof ClassFileVersion) {
        builder.withVersion(TARGET_MAJOR, 0);
      } else {
        builder.with(element);
      }
    };
    return writer.transformClass(model, ClassTransform.transformingMethodBodies(CodeTransform.ACCEPT_ALL).andThen(newVersion));
  }

  private ModernClassFiles() {}
}
