package dev.bastion.attacksim;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The test servers' side-effect log (one JSON line per event): {@code {role, tool, arguments}} for
 * every call that reached a tool, {@code {role, server_request, answer}} for every request a server
 * sent the gateway and what came back.
 */
final class CallLog {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private final Path file;

  CallLog(Path file) {
    this.file = file;
  }

  Path file() {
    return file;
  }

  /** A position to read from later. */
  int mark() throws IOException {
    return Files.readAllLines(file).size();
  }

  /** The events logged since {@code mark}. */
  List<JsonNode> since(int mark) throws IOException {
    List<String> lines = Files.readAllLines(file);
    List<JsonNode> out = new ArrayList<>();
    for (int i = mark; i < lines.size(); i++) {
      out.add(JSON.readTree(lines.get(i)));
    }
    return out;
  }

  /** Tool calls among {@code events}. */
  static List<JsonNode> calls(List<JsonNode> events) {
    return events.stream().filter(e -> e.has("tool")).toList();
  }
}
