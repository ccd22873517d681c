package dev.bastion.demo;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code send_email}: nothing is sent; each message becomes one JSON line appended to {@code
 * <root>/outbox/outbox.jsonl}, so demos and tests can see exactly what an agent tried to send.
 */
final class Outbox {

  static final String FILE = "outbox/outbox.jsonl";

  /** A deliberately plain address check (local@domain.tld); the schema's "email" format checks too. */
  private static final Pattern ADDRESS =
      Pattern.compile("^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$");

  private final Sandbox sandbox;
  private final JsonMapper mapper;
  private final Clock clock;
  private final ReentrantLock lock = new ReentrantLock();

  Outbox(Sandbox sandbox, JsonMapper mapper, Clock clock) {
    this.sandbox = sandbox;
    this.mapper = mapper;
    this.clock = clock;
  }

  ToolOutcome send(ObjectNode args, ToolContext context) {
    String to = args.get("to").asString();
    if (!ADDRESS.matcher(to).matches()) {
      return ToolOutcome.failed("\"to\" must be one email address like name@example.com, got \"" + to + "\"");
    }
    ArrayNode cc = JsonNodeFactory.instance.arrayNode();
    JsonNode ccArg = args.get("cc");
    if (ccArg != null) {
      for (JsonNode address : ccArg) {
        if (!ADDRESS.matcher(address.asString()).matches()) {
          return ToolOutcome.failed(
              "every \"cc\" entry must be an email address like name@example.com, got \"" + address.asString() + "\"");
        }
        cc.add(address.asString());
      }
    }
    String messageId = "<" + UUID.randomUUID() + "@bastion-demo.local>";
    Instant queuedAt = clock.instant();
    ObjectNode line = JsonNodeFactory.instance.objectNode();
    line.put("messageId", messageId);
    line.put("queuedAt", queuedAt.toString());
    line.put("to", to);
    line.set("cc", cc);
    line.put("subject", args.get("subject").asString());
    line.put("body", args.get("body").asString());
    byte[] bytes = (mapper.writeValueAsString(line) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    lock.lock();
    try {
      Path dir = sandbox.root().resolve("outbox");
      Files.createDirectories(dir);
      if (!dir.toRealPath().startsWith(sandbox.root())) {
        return ToolOutcome.failed("the outbox folder leads outside the workspace root; refusing to write");
      }
      try (FileChannel channel =
          FileChannel.open(
              sandbox.root().resolve(FILE),
              StandardOpenOption.CREATE,
              StandardOpenOption.WRITE,
              StandardOpenOption.APPEND,
              LinkOption.NOFOLLOW_LINKS)) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
      }
    } catch (IOException e) {
      return ToolOutcome.failed("could not queue the message (" + e.getClass().getSimpleName() + ")");
    } finally {
      lock.unlock();
    }
    ObjectNode structured = JsonNodeFactory.instance.objectNode();
    structured.put("messageId", messageId);
    structured.put("queuedAt", queuedAt.toString());
    String ccText = cc.isEmpty() ? "" : " (cc " + String.join(", ", cc.valueStream().map(JsonNode::asString).toList()) + ")";
    return new ToolOutcome.Done("Queued message " + messageId + " to " + to + ccText + ".", structured);
  }
}
