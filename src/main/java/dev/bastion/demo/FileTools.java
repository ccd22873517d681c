package dev.bastion.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** {@code read_file}, {@code list_files} and {@code search_notes}, all confined to the sandbox. */
final class FileTools {

  static final String NOTES = "notes";
  private static final int MAX_LINE_CHARS = 500;
  private static final int DEFAULT_SEARCH_LIMIT = 10;

  private final Sandbox sandbox;

  FileTools(Sandbox sandbox) {
    this.sandbox = sandbox;
  }

  ToolOutcome readFile(ObjectNode args, ToolContext context) {
    String requested = args.get("path").asString();
    return switch (sandbox.resolve(requested)) {
      case Sandbox.Resolution.Refused(String reason) -> ToolOutcome.failed(reason);
      case Sandbox.Resolution.Missing(String path) ->
          ToolOutcome.failed("no file at \"" + path + "\"; use list_files to see what exists");
      case Sandbox.Resolution.Inside(Path path, String relative) -> {
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
          yield ToolOutcome.failed("\"" + requested + "\" is a folder; use list_files to see its contents");
        }
        yield switch (FileContent.read(path)) {
          case FileContent.Text(String text) -> ToolOutcome.done(text);
          case FileContent.Binary(byte[] bytes) ->
              ToolOutcome.failed("\"" + relative + "\" is not UTF-8 text (" + bytes.length + " bytes); read_file returns text only");
          case FileContent.TooLarge(long bytes) ->
              ToolOutcome.failed(
                  "\"" + relative + "\" is " + bytes + " bytes; read_file returns files of at most "
                      + FileContent.MAX_BYTES + " bytes");
          case FileContent.Unreadable(String reason) ->
              ToolOutcome.failed("\"" + relative + "\" could not be read (" + reason + ")");
        };
      }
    };
  }

  ToolOutcome listFiles(ObjectNode args, ToolContext context) {
    String requested = args.has("dir") ? args.get("dir").asString() : "";
    String dir = requested.isBlank() || requested.equals(".") || requested.equals("./") ? "" : requested;
    return switch (sandbox.resolve(dir)) {
      case Sandbox.Resolution.Refused(String reason) -> ToolOutcome.failed(reason);
      case Sandbox.Resolution.Missing(String path) -> ToolOutcome.failed("no folder at \"" + path + "\"");
      case Sandbox.Resolution.Inside(Path path, String relative) -> {
        if (!Files.isDirectory(path)) {
          yield ToolOutcome.failed("\"" + requested + "\" is a file, not a folder; use read_file to read it");
        }
        try (Stream<Path> entries = Files.list(path)) {
          List<String> lines =
              entries
                  .sorted(Comparator.comparing(p -> p.getFileName().toString()))
                  .map(p -> describe(p, relative))
                  .toList();
          String where = relative.isEmpty() ? "the workspace root" : relative + "/";
          yield ToolOutcome.done(
              lines.isEmpty() ? where + " is empty" : "Contents of " + where + ":\n" + String.join("\n", lines));
        } catch (IOException e) {
          yield ToolOutcome.failed("could not list \"" + requested + "\" (" + e.getClass().getSimpleName() + ")");
        }
      }
    };
  }

  private static String describe(Path entry, String parent) {
    String name = (parent.isEmpty() ? "" : parent + "/") + entry.getFileName();
    if (Files.isSymbolicLink(entry)) {
      return name + " (link)";
    }
    if (Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
      return name + "/";
    }
    try {
      return name + " (" + Files.size(entry) + " bytes)";
    } catch (IOException e) {
      return name;
    }
  }

  ToolOutcome searchNotes(ObjectNode args, ToolContext context) {
    String query = args.get("query").asString();
    int limit = args.has("limit") ? args.get("limit").asInt() : DEFAULT_SEARCH_LIMIT;
    String needle = query.toLowerCase(Locale.ROOT);
    List<Match> matches = new ArrayList<>();
    boolean truncated = false;
    search:
    for (Path file : noteFiles()) {
      if (!(FileContent.read(file) instanceof FileContent.Text(String text))) {
        continue;
      }
      String relative = sandbox.relative(file);
      List<String> lines = text.lines().toList();
      for (int i = 0; i < lines.size(); i++) {
        if (lines.get(i).toLowerCase(Locale.ROOT).contains(needle)) {
          if (matches.size() == limit) {
            truncated = true;
            break search;
          }
          matches.add(new Match(relative, i + 1, clip(lines.get(i))));
        }
      }
    }
    ObjectNode structured = JsonNodeFactory.instance.objectNode();
    ArrayNode array = structured.putArray("matches");
    StringBuilder text = new StringBuilder();
    for (Match m : matches) {
      array.addObject().put("file", m.file()).put("line", m.line()).put("text", m.text());
      text.append(m.file()).append(':').append(m.line()).append(": ").append(m.text()).append('\n');
    }
    structured.put("truncated", truncated);
    if (matches.isEmpty()) {
      text.append("No lines in notes/ contain \"").append(query).append("\".");
    } else if (truncated) {
      text.append("(more matches not shown; raise limit, up to 50)");
    }
    return new ToolOutcome.Done(text.toString().stripTrailing(), structured);
  }

  /** Regular files under notes/, in path order; links are skipped, so nothing outside is read. */
  List<Path> noteFiles() {
    if (!(sandbox.resolve(NOTES) instanceof Sandbox.Resolution.Inside(Path notes, String ignored))
        || !Files.isDirectory(notes)) {
      return List.of();
    }
    try (Stream<Path> walk = Files.walk(notes)) {
      return walk.filter(Sandbox::isPlainFile).sorted().toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  private static String clip(String line) {
    String stripped = line.strip();
    return stripped.length() > MAX_LINE_CHARS ? stripped.substring(0, MAX_LINE_CHARS) + "…" : stripped;
  }

  private record Match(String file, int line, String text) {}
}
