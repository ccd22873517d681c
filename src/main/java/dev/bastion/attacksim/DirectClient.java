package dev.bastion.attacksim;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A test server started without Bastion in front, to time the same call directly: the baseline
 * that "added latency" is measured against. Calls are sequential.
 */
final class DirectClient implements AutoCloseable {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private final Process process;
  private final OutputStream in;
  private final BufferedReader out;
  private long ids;

  private DirectClient(Process process) {
    this.process = process;
    this.in = process.getOutputStream();
    this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
  }

  static DirectClient start(List<String> command) throws IOException {
    DirectClient c = new DirectClient(new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start());
    ObjectNode params = JSON.createObjectNode().put("protocolVersion", "2025-11-25");
    params.putObject("capabilities");
    params.putObject("clientInfo").put("name", "attack-sim-baseline").put("version", "1");
    c.request("initialize", params);
    return c;
  }

  /** Nanoseconds for one tools/call round trip. */
  long time(String tool, ObjectNode arguments) throws IOException {
    ObjectNode params = JSON.createObjectNode().put("name", tool);
    params.set("arguments", arguments);
    long start = System.nanoTime();
    request("tools/call", params);
    return System.nanoTime() - start;
  }

  private void request(String method, ObjectNode params) throws IOException {
    ObjectNode msg = JSON.createObjectNode().put("jsonrpc", "2.0").put("id", ++ids).put("method", method);
    msg.set("params", params);
    in.write((JSON.writeValueAsString(msg) + "\n").getBytes(StandardCharsets.UTF_8));
    in.flush();
    String line = out.readLine();
    if (line == null) {
      throw new IOException("the baseline test server exited");
    }
  }

  @Override
  public void close() {
    process.destroy();
  }
}
