package dev.bastion.demo;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Splits a byte stream into newline-delimited messages without ever holding more than {@code
 * maxBytes} of one line: an over-long line is skipped to its end and reported as such.
 */
final class LineReader {

  sealed interface Line {
    record Text(byte[] bytes) implements Line {}

    record TooLong(long bytes) implements Line {}

    record End() implements Line {}
  }

  private final InputStream in;
  private final int maxBytes;
  private final byte[] buffer = new byte[8192];
  private int pos;
  private int limit;

  LineReader(InputStream in, int maxBytes) {
    this.in = in;
    this.maxBytes = maxBytes;
  }

  /** The next line without its terminator ({@code \n} or {@code \r\n}); blank lines are skipped. */
  Line next() throws IOException {
    while (true) {
      Line line = readOne();
      if (line instanceof Line.Text(byte[] bytes) && isBlank(bytes)) {
        continue;
      }
      return line;
    }
  }

  private Line readOne() throws IOException {
    ByteArrayOutputStream current = new ByteArrayOutputStream();
    long seen = 0;
    boolean sawAny = false;
    while (true) {
      if (pos == limit) {
        limit = in.read(buffer);
        pos = 0;
        if (limit <= 0) {
          limit = 0;
          if (!sawAny) {
            return new Line.End();
          }
          return finish(current, seen);
        }
      }
      sawAny = true;
      int start = pos;
      while (pos < limit && buffer[pos] != '\n') {
        pos++;
      }
      int chunk = pos - start;
      seen += chunk;
      if (seen <= maxBytes + 1L) {
        current.write(buffer, start, chunk);
      }
      if (pos < limit) {
        pos++; // consume the newline
        return finish(current, seen);
      }
    }
  }

  private Line finish(ByteArrayOutputStream current, long seen) {
    byte[] bytes = current.toByteArray();
    int length = bytes.length;
    if (length > 0 && bytes[length - 1] == '\r') {
      length--;
      seen--;
    }
    if (seen > maxBytes) {
      return new Line.TooLong(seen);
    }
    return new Line.Text(length == bytes.length ? bytes : java.util.Arrays.copyOf(bytes, length));
  }

  private static boolean isBlank(byte[] bytes) {
    for (byte b : bytes) {
      if (b != ' ' && b != '\t' && b != '\r') {
        return false;
      }
    }
    return true;
  }
}
