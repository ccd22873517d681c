package dev.bastion.build;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.constant.ClassDesc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;

/** What the build steps' class-file writer needs to know about the classes in the jar they change. */
final class JarClasses {
  /**
   * Super classes and interfaces for computing stack-map frames: the JDK's own, else the class files
   * below {@code root} (the jar's root, or a folder in tests).
   */
  static ClassHierarchyResolver resolver(Path root) {
    Function<ClassDesc, InputStream> inJar =
        desc -> {
          String name = desc.descriptorString();
          Path file = root.resolve(name.substring(1, name.length() - 1) + ".class");
          try {
            return Files.exists(file) ? Files.newInputStream(file) : null;
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        };
    return ClassHierarchyResolver.defaultResolver().orElse(ClassHierarchyResolver.ofResourceParsing(inJar)).cached();
  }

  private JarClasses() {}
}
