package dev.bastion.upstream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Splits a byte stream into newline-terminated lines without ever holding more than {@code maxLine}
 * bytes of one line: a longer line is consumed and discarded, and only its first bytes are kept so
 * the caller can say what it was. A trailing CR is removed.
 */
final class BoundedLineReader {
  static final int HEAD_BYTES = 4096;

  sealed interface Line {
    /** A line within the limit, without its terminator. */
    record Complete(byte[] bytes) implements Line {}

    /** A line over the limit: its first bytes and its full length; the rest was discarded. */
    record Overlong(byte[] head, long length) implements Line {}
  }

  private final InputStream in;
  private final int maxLine;
  private final byte[] buf = new byte[16 * 1024];
  private int pos;
  private int lim;

  BoundedLineReader(InputStream in, int maxLine) {
    this.in = in;
    this.maxLine = maxLine;
  }

  /** The next line, or null at end of stream. A final line without a terminator is returned too. */
  Line next() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream(256);
    long length = 0;
    byte[] head = null;
    while (true) {
      if (pos == lim) {
        int n = in.read(buf);
        if (n <= 0) {
          pos = lim = 0;
          return length == 0 && head == null ? null : finish(line, head, length);
        }
        pos = 0;
        lim = n;
      }
      int nl = indexOfNewline();
      int end = nl < 0 ? lim : nl;
      int n = end - pos;
      if (head == null) {
        if (length + n > maxLine) {
          byte[] sofar = line.toByteArray();
          int keep = (int) Math.min(HEAD_BYTES, sofar.length + (long) n);
          head = Arrays.copyOf(sofar, keep);
          if (keep > sofar.length) {
            System.arraycopy(buf, pos, head, sofar.length, keep - sofar.length);
          }
          line = null;
        } else {
          line.write(buf, pos, n);
        }
      }
      length += n;
      pos = nl < 0 ? lim : nl + 1;
      if (nl >= 0) {
        return finish(line, head, length);
      }
    }
  }

  private int indexOfNewline() {
    for (int i = pos; i < lim; i++) {
      if (buf[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  private static Line finish(ByteArrayOutputStream line, byte[] head, long length) {
    if (head != null) {
      return new Line.Overlong(head, length);
    }
    byte[] bytes = line.toByteArray();
    if (bytes.length > 0 && bytes[bytes.length - 1] == '\r') {
      bytes = Arrays.copyOf(bytes, bytes.length - 1);
    }
    return new Line.Complete(bytes);
  }
}
