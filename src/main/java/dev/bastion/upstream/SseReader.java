package dev.bastion.upstream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads a {@code text/event-stream} one event at a time, bounded: no line and no event's data may
 * exceed {@code maxEventBytes}. Comment lines (starting with ':') are skipped, multi-line data is
 * joined with '\n', {@code id} and {@code retry} are ignored (Bastion does not resume streams).
 */
final class SseReader {

  /** What the stream produced next. */
  sealed interface Item {
    /** An event whose type is {@code message} (or unnamed) and whose data is not empty. */
    record Event(String type, byte[] data) implements Item {}

    /** A line or an event over the limit; the stream cannot be trusted any further. */
    record TooLarge(long bytes) implements Item {}

    /** The stream ended. */
    record End() implements Item {}
  }

  private final BoundedLineReader lines;
  private final int maxEventBytes;

  SseReader(InputStream in, int maxEventBytes) {
    this.lines = new BoundedLineReader(in, maxEventBytes);
    this.maxEventBytes = maxEventBytes;
  }

  Item next() throws IOException {
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    boolean hasData = false;
    String type = "message";
    while (true) {
      BoundedLineReader.Line line = lines.next();
      switch (line) {
        case null -> {
          return new Item.End(); // an unterminated last event is dropped, as the SSE spec says
        }
        case BoundedLineReader.Line.Overlong o -> {
          return new Item.TooLarge(o.length());
        }
        case BoundedLineReader.Line.Complete c -> {
          byte[] b = c.bytes();
          if (b.length == 0) {
            if (hasData) {
              return new Item.Event(type, data.toByteArray());
            }
            type = "message";
            continue;
          }
          if (b[0] == ':') {
            continue;
          }
          String field;
          int valueStart;
          int colon = indexOf(b, (byte) ':');
          if (colon < 0) {
            field = new String(b, StandardCharsets.UTF_8);
            valueStart = b.length;
          } else {
            field = new String(b, 0, colon, StandardCharsets.UTF_8);
            valueStart = colon + 1;
            if (valueStart < b.length && b[valueStart] == ' ') {
              valueStart++;
            }
          }
          switch (field) {
            case "data" -> {
              if (hasData) {
                data.write('\n');
              }
              data.write(b, valueStart, b.length - valueStart);
              hasData = true;
              if (data.size() > maxEventBytes) {
                return new Item.TooLarge(data.size());
              }
            }
            case "event" -> type = new String(b, valueStart, b.length - valueStart, StandardCharsets.UTF_8);
            default -> {} // id, retry and unknown fields
          }
        }
      }
    }
  }

  private static int indexOf(byte[] b, byte v) {
    for (int i = 0; i < b.length; i++) {
      if (b[i] == v) {
        return i;
      }
    }
    return -1;
  }
}
