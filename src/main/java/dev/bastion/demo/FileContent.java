package dev.bastion.demo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/** Reads one workspace file with a size cap, without following a link at the last step. */
sealed interface FileContent {

  /** Largest file the demo tools return, in bytes. */
  int MAX_BYTES = 1024 * 1024;

  record Text(String text) implements FileContent {}

  record Binary(byte[] bytes) implements FileContent {}

  record TooLarge(long bytes) implements FileContent {}

  record Unreadable(String reason) implements FileContent {}

  static FileContent read(Path file) {
    try {
      long size = Files.size(file);
      if (size > MAX_BYTES) {
        return new TooLarge(size);
      }
      byte[] bytes;
      try (InputStream in =
          Channels.newInputStream(Files.newByteChannel(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
        bytes = in.readNBytes(MAX_BYTES + 1);
      }
      if (bytes.length > MAX_BYTES) {
        return new TooLarge(bytes.length);
      }
      try {
        String text =
            StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes))
                .toString();
        return new Text(text);
      } catch (CharacterCodingException e) {
        return new Binary(bytes);
      }
    } catch (IOException e) {
      return new Unreadable(e.getClass().getSimpleName());
    }
  }

  /** A MIME type from the file name; text/plain when unknown. */
  static String mimeType(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    int dot = lower.lastIndexOf('.');
    String ext = dot < 0 ? "" : lower.substring(dot + 1);
    return switch (ext) {
      case "md", "markdown" -> "text/markdown";
      case "csv" -> "text/csv";
      case "html", "htm" -> "text/html";
      case "json" -> "application/json";
      case "jsonl" -> "application/jsonl";
      default -> "text/plain";
    };
  }
}
