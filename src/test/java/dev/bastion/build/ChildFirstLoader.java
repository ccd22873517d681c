package dev.bastion.build;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Predicate;

/**
 * Defines a library's classes from a folder and a probe's from the test classes itself, and leaves
 * every other class to its parent, so that a test can run the same probe against two copies of one
 * library (as shipped, and as a build step changed it).
 */
final class ChildFirstLoader extends ClassLoader implements AutoCloseable {
  private final Path folder;
  private final Predicate<String> fromFolder;
  private final String probe;

  /**
   * @param fromFolder which class names are the library's (their class files are read from {@code folder})
   * @param probe the class that drives the library (it and its nested classes are defined here too)
   */
  ChildFirstLoader(String name, Path folder, Predicate<String> fromFolder, Class<?> probe) {
    super(name, probe.getClassLoader());
    this.folder = folder;
    this.fromFolder = fromFolder;
    this.probe = probe.getName();
  }

  @Override
  protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
    synchronized (getClassLoadingLock(name)) {
      Class<?> c = findLoadedClass(name);
      if (c == null && (fromFolder.test(name) || name.startsWith(probe))) {
        c = define(name);
      }
      return c != null ? c : super.loadClass(name, resolve);
    }
  }

  private Class<?> define(String name) throws ClassNotFoundException {
    String file = name.replace('.', '/') + ".class";
    try {
      byte[] bytes;
      if (fromFolder.test(name)) {
        bytes = Files.readAllBytes(folder.resolve(file));
      } else {
        try (InputStream in = getParent().getResourceAsStream(file)) {
          bytes = in.readAllBytes();
        }
      }
      return defineClass(name, bytes, 0, bytes.length);
    } catch (IOException e) {
      throw new ClassNotFoundException(name, e);
    }
  }

  @Override
  public void close() {}
}
