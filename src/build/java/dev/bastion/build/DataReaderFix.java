package dev.bastion.build;

import java.io.IOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeElement;
import java.lang.classfile.MethodModel;
import java.lang.classfile.Opcode;
import java.lang.classfile.instruction.FieldInstruction;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Build step (run by Maven after the shade plugin, as a single-file program): one fix to Helidon's
 * {@code io.helidon.common.buffers.DataReader} inside the shaded jar, so that a keep-alive
 * connection's reader no longer keeps every buffer it ever read reachable.
 *
 * <p>The bug (Helidon 4.5.0): the reader holds the bytes read from a socket as a linked list of
 * nodes; {@code ensureAvailable()} moves its head past a consumed node with {@code head = head.next}
 * and leaves that node's {@code next} in place. A node is garbage once the head has left it, but once
 * one consumed node has been promoted to the old generation (any node that is the head while a
 * connection waits through a few young collections), the collector treats it as a root until the
 * next full collection, and through its {@code next} every later node and its byte array on that
 * connection survives each young collection and is promoted in turn. Under load that is every byte
 * read on the listener's and the upstream client's keep-alive connections, copied through the
 * survivor spaces and into the old generation, which the serial collector grows instead of
 * collecting (docs/benchmarks.md, "Noise inside one process").
 *
 * <p>The fix: the one {@code putfield head} in {@code ensureAvailable} becomes a call to a private
 * method added to the class, which sets the head and then clears the consumed node's {@code next}:
 *
 * <pre>
 * private void advanceHead(Node next) { Node consumed = this.head; this.head = next; consumed.next = null; }
 * </pre>
 *
 * No other code walks the list from a node the head has left: the read loops start from the head
 * and only ever step forward from the node they are reading, and the byte suppliers never hand out an
 * empty array (Helidon's sockets throw on a zero-byte read), so a loop's current node is never one
 * that {@code ensureAvailable} skipped. {@code DataReaderFixTest} runs random read sequences over
 * randomly split input through the original and the fixed class and requires the same results.
 *
 * <p>The step fails the build when the class no longer has the expected shape (one {@code putfield
 * head} in {@code ensureAvailable}, no {@code advanceHead}): a Helidon upgrade then has to be checked
 * for the bug, and this step removed if it is fixed.
 *
 * <pre>java DataReaderFix.java target/bastion.jar</pre>
 */
public final class DataReaderFix {
  static final String CLASS_FILE = "io/helidon/common/buffers/DataReader.class";
  static final String ADDED_METHOD = "advanceHead";
  private static final ClassDesc READER = ClassDesc.of("io.helidon.common.buffers.DataReader");
  private static final ClassDesc NODE = ClassDesc.of("io.helidon.common.buffers.DataReader$Node");
  private static final MethodTypeDesc ADVANCE = MethodTypeDesc.of(ConstantDescs.CD_void, NODE);

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: DataReaderFix <jar>");
      System.exit(2);
    }
    Path jar = Path.of(args[0]).toAbsolutePath();
    try (FileSystem zip = FileSystems.newFileSystem(URI.create("jar:" + jar.toUri()), Map.of())) {
      apply(zip.getPath("/"));
    }
    System.out.println("DataReaderFix: " + CLASS_FILE + " in " + jar.getFileName() + " clears a consumed node's link");
  }

  /** Fixes the class file below {@code root} in place; throws when it is missing, already fixed or of another shape. */
  static void apply(Path root) throws IOException {
    Path file = root.resolve(CLASS_FILE);
    if (!Files.isRegularFile(file)) {
      throw new IOException("no " + CLASS_FILE + " in " + root);
    }
    ClassFile classFile = ClassFile.of(ClassFile.ClassHierarchyResolverOption.of(JarClasses.resolver(root)));
    byte[] fixed = fix(classFile, Files.readAllBytes(file));
    List<VerifyError> errors = classFile.verify(fixed);
    if (!errors.isEmpty()) {
      throw new IOException("the fixed " + CLASS_FILE + " does not verify: " + errors.getFirst().getMessage());
    }
    Files.write(file, fixed);
  }

  static byte[] fix(ClassFile classFile, byte[] in) throws IOException {
    ClassModel model = classFile.parse(in);
    if (model.methods().stream().anyMatch(m -> m.methodName().equalsString(ADDED_METHOD))) {
      throw new IOException(CLASS_FILE + " already has " + ADDED_METHOD + ": fixed twice?");
    }
    MethodModel ensure =
        model.methods().stream()
            .filter(DataReaderFix::isEnsureAvailable)
            .findFirst()
            .orElseThrow(() -> new IOException(CLASS_FILE + " has no ensureAvailable(): check the bug in this Helidon version"));
    long heads = ensure.code().orElseThrow().elementStream().filter(DataReaderFix::isHeadStore).count();
    if (heads != 1) {
      throw new IOException(CLASS_FILE + ": ensureAvailable() stores the head " + heads + " times, expected once: check the bug in this Helidon version");
    }
    ClassTransform callAdvance =
        ClassTransform.transformingMethodBodies(
            m -> isEnsureAvailable(m),
            (code, element) -> {
              if (isHeadStore(element)) {
                code.invokevirtual(READER, ADDED_METHOD, ADVANCE); // same stack: the reader, then the new head
              } else {
                code.with(element);
              }
            });
    ClassTransform addAdvance =
        ClassTransform.endHandler(
            c ->
                c.withMethodBody(
                    ADDED_METHOD,
                    ADVANCE,
                    ClassFile.ACC_PRIVATE,
                    code ->
                        code.aload(0).getfield(READER, "head", NODE).astore(2)
                            .aload(0).aload(1).putfield(READER, "head", NODE)
                            .aload(2).aconst_null().putfield(NODE, "next", NODE)
                            .return_()));
    return classFile.transformClass(model, callAdvance.andThen(addAdvance));
  }

  private static boolean isEnsureAvailable(MethodModel m) {
    return m.methodName().equalsString("ensureAvailable") && m.methodTypeSymbol().descriptorString().equals("()V");
  }

  private static boolean isHeadStore(CodeElement element) {
    return element instanceof FieldInstruction f
        && f.opcode() == Opcode.PUTFIELD
        && f.owner().asSymbol().equals(READER)
        && f.name().equalsString("head");
  }

  private DataReaderFix() {}
}
