package dev.bastion.demo;

import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** Drives an in-process {@link DemoServer} over in-memory streams, the way a stdio client would. */
final class TestClient implements AutoCloseable {

  static final Duration TIMEOUT = Duration.ofSeconds(10);
  static final JsonMapper JSON = JsonMapper.builder().build();

  private final DemoServer server;
  private final QueueInputStream input = new QueueInputStream();
  private final List<JsonNode> received = new CopyOnWriteArrayList<>();
  private final List<String> rawLines = new CopyOnWriteArrayList<>();
  private final Map<String, Connection.Completion> completions = new ConcurrentHashMap<>();
  private final AtomicInteger nextId = new AtomicInteger(100);
  private final Thread serving;

  TestClient(Path root) throws IOException {
    this.server = new DemoServer(root);
    LineCollector output = new LineCollector();
    Connection.Listener listener = (id, method, completion) -> completions.put(id.toString(), completion);
    this.serving = Thread.ofVirtual().start(() -> server.serve(input, output, listener));
  }

  DemoServer server() {
    return server;
  }

  /** Sends one raw line (a newline is appended). */
  void sendLine(String line) {
    input.offer((line + "\n").getBytes(StandardCharsets.UTF_8));
  }

  void send(JsonNode message) {
    sendLine(JSON.writeValueAsString(message));
  }

  int newId() {
    return nextId.incrementAndGet();
  }

  ObjectNode requestMessage(int id, String method, ObjectNode params) {
    ObjectNode message = JsonNodeFactory.instance.objectNode().put("jsonrpc", "2.0").put("id", id).put("method", method);
    if (params != null) {
      message.set("params", params);
    }
    return message;
  }

  /** Sends a request and waits for its response (the whole response object). */
  JsonNode request(String method, ObjectNode params) {
    int id = newId();
    send(requestMessage(id, method, params));
    return awaitResponse(id);
  }

  /** Calls a tool and returns the {@code result} of a successful response. */
  JsonNode callTool(String name, ObjectNode arguments) {
    JsonNode response = request("tools/call", params().put("name", name).set("arguments", arguments));
    if (!response.has("result")) {
      throw new AssertionError("expected a result for tools/call " + name + ", got " + response);
    }
    return response.get("result");
  }

  void notify(String method, ObjectNode params) {
    ObjectNode message = JsonNodeFactory.instance.objectNode().put("jsonrpc", "2.0").put("method", method);
    if (params != null) {
      message.set("params", params);
    }
    send(message);
  }

  JsonNode awaitResponse(int id) {
    return awaitMessage(m -> m.has("id") && m.get("id").isIntegralNumber() && m.get("id").asInt() == id && !m.has("method"));
  }

  JsonNode awaitMessage(Predicate<JsonNode> matching) {
    return await()
        .atMost(TIMEOUT)
        .pollInterval(Duration.ofMillis(5))
        .until(() -> received.stream().filter(matching).findFirst().orElse(null), m -> m != null);
  }

  List<JsonNode> messages() {
    return List.copyOf(received);
  }

  List<String> rawLines() {
    return List.copyOf(rawLines);
  }

  Connection.Completion awaitCompletion(int id) {
    return await()
        .atMost(TIMEOUT)
        .pollInterval(Duration.ofMillis(5))
        .until(() -> completions.get(Integer.toString(id)), c -> c != null);
  }

  /** Ends the input, like a client closing the server's stdin, and waits for the server to return. */
  @Override
  public void close() {
    input.end();
    boolean stopped;
    try {
      stopped = serving.join(TIMEOUT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting for the demo server to stop", e);
    }
    if (!stopped) {
      throw new AssertionError("the demo server did not stop within " + TIMEOUT + " after its input ended");
    }
  }

  boolean hasStopped() {
    return !serving.isAlive();
  }

  static ObjectNode params() {
    return JsonNodeFactory.instance.objectNode();
  }

  static String text(JsonNode toolResult) {
    return toolResult.get("content").get(0).get("text").asString();
  }

  /** An input stream fed from a queue; blocks like a pipe until data or the end arrives. */
  private static final class QueueInputStream extends InputStream {
    private static final byte[] END = new byte[0];
    private final BlockingQueue<byte[]> chunks = new LinkedBlockingQueue<>();
    private byte[] current = new byte[0];
    private int pos;
    private boolean ended;

    void offer(byte[] chunk) {
      chunks.add(chunk);
    }

    void end() {
      chunks.add(END);
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      while (pos == current.length) {
        if (ended) {
          return -1;
        }
        try {
          byte[] next = chunks.poll(1, TimeUnit.MINUTES);
          if (next == null || next == END) {
            ended = true;
            return -1;
          }
          current = next;
          pos = 0;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted", e);
        }
      }
      int n = Math.min(len, current.length - pos);
      System.arraycopy(current, pos, b, off, n);
      pos += n;
      return n;
    }
  }

  /** Collects the server's output line by line, parsing each line as JSON. */
  private final class LineCollector extends OutputStream {
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    @Override
    public synchronized void write(int b) {
      if (b == '\n') {
        String text = line.toString(StandardCharsets.UTF_8);
        line.reset();
        rawLines.add(text);
        received.add(JSON.readTree(text));
      } else {
        line.write(b);
      }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
      for (int i = off; i < off + len; i++) {
        write(b[i]);
      }
    }
  }
}
