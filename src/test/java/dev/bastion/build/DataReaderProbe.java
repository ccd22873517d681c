package dev.bastion.build;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataReader;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HexFormat;
import java.util.SplittableRandom;

/**
 * Drives one {@link DataReader} (whichever class the loader it is loaded by provides) through a
 * random sequence of reads over randomly split input and writes down everything it observes, so that
 * {@link DataReaderFixTest} can compare the original class with the fixed one.
 */
public final class DataReaderProbe {
  private DataReaderProbe() {}

  /** The transcript of {@code ops} random reads over random input, both chosen by {@code seed}. */
  public static String run(long seed, int ops) {
    SplittableRandom random = new SplittableRandom(seed);
    byte[] input = input(random, 4_000);
    DataReader reader = DataReader.create(chunks(random, input));
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < ops; i++) {
      int len = 1 + random.nextInt(random.nextBoolean() ? 8 : 200);
      try {
        switch (random.nextInt(11)) {
          case 0 -> out.append("read ").append(reader.read());
          case 1 -> out.append("lookup ").append(reader.lookup());
          case 2 -> {
            reader.skip(len);
            out.append("skip ").append(len);
          }
          case 3 -> out.append("bytes ").append(HexFormat.of().formatHex(reader.readBytes(len)));
          case 4 -> out.append("ascii ").append(reader.readAsciiString(len));
          case 5 -> out.append("lazy ").append(reader.readLazyString(StandardCharsets.US_ASCII, len).toString());
          case 6 -> out.append("buffer ").append(hex(reader.readBuffer(len)));
          case 7 -> out.append("get ").append(hex(reader.getBuffer(len)));
          case 8 -> out.append("newline ").append(reader.findNewLine(len)).append(' ').append(reader.startsWithNewLine());
          case 9 -> out.append("line ").append(reader.readLine());
          default -> out.append("next ").append(hex(reader.readBuffer()));
        }
        out.append(" avail ").append(reader.available());
      } catch (RuntimeException e) {
        out.append(e.getClass().getSimpleName());
        if (e instanceof DataReader.InsufficientDataAvailableException) {
          return out.append('\n').toString();
        }
      }
      out.append('\n');
    }
    return out.toString();
  }

  /**
   * Reads through the first chunks of a stream and reports whether the node the reader started on
   * still links to the rest of the list once the head has moved past it ("linked") or not
   * ("released").
   */
  public static String consumedNodeAfterReading() throws ReflectiveOperationException {
    byte[][] chunks = {"abc".getBytes(StandardCharsets.US_ASCII), "def".getBytes(StandardCharsets.US_ASCII), "ghi".getBytes(StandardCharsets.US_ASCII)};
    Deque<byte[]> queue = new ArrayDeque<>(Arrays.asList(chunks));
    DataReader reader = DataReader.create(queue::poll);
    Field head = DataReader.class.getDeclaredField("head");
    head.setAccessible(true);
    reader.ensureAvailable();
    Object first = head.get(reader); // the node holding "abc"
    String read = reader.readAsciiString(5); // "abcde": the head moves to "def"
    read += reader.readAsciiString(3); // "fgh": and on to "ghi"
    Field next = first.getClass().getDeclaredField("next");
    next.setAccessible(true);
    return read + " " + (next.get(first) == null ? "released" : "linked");
  }

  private static String hex(BufferData data) {
    byte[] bytes = new byte[data.available()];
    data.read(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  /** Printable text with CRLF line ends, and now and then a lone CR or LF (which some reads reject). */
  private static byte[] input(SplittableRandom random, int size) {
    byte[] bytes = new byte[size];
    for (int i = 0; i < size; i++) {
      int r = random.nextInt(40);
      if (r == 0 && i + 1 < size) {
        bytes[i++] = '\r';
        bytes[i] = '\n';
      } else if (r == 1) {
        bytes[i] = random.nextBoolean() ? (byte) '\r' : (byte) '\n';
      } else {
        bytes[i] = (byte) (' ' + random.nextInt(95));
      }
    }
    return bytes;
  }

  /** Hands the input out in random pieces of 1 to 64 bytes (never empty, like a socket), then null. */
  private static java.util.function.Supplier<byte[]> chunks(SplittableRandom random, byte[] input) {
    Deque<byte[]> pieces = new ArrayDeque<>();
    for (int at = 0; at < input.length; ) {
      int n = Math.min(input.length - at, 1 + random.nextInt(random.nextBoolean() ? 4 : 64));
      pieces.add(Arrays.copyOfRange(input, at, at + n));
      at += n;
    }
    return pieces::poll;
  }
}
