package dev.bastion.telemetry;

import dev.bastion.audit.ConservativeRedactor;
import dev.bastion.config.TelemetryConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.Locale;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The gateway's own messages (start-up, reloads, upstream restarts, stage failures) as JSON lines,
 * for {@code telemetry.logs.format: json}. Messages and stack traces pass through the audit
 * redactor first: an upstream's error text can quote a credential.
 */
final class JsonLogFormatter extends Formatter {
  /** Built on the first JSON line, not when {@link #install} runs for text logs (start-up). */
  private static final class Json {
    static final JsonMapper MAPPER = JsonMapper.builder().build();
  }

  @Override
  public String format(LogRecord record) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("ts", Instant.ofEpochMilli(record.getMillis()).toString());
    o.put("level", record.getLevel().getName().toLowerCase(Locale.ROOT));
    o.put("logger", record.getLoggerName());
    o.put("message", ConservativeRedactor.redactValue(formatMessage(record)));
    if (record.getThrown() != null) {
      StringWriter w = new StringWriter();
      record.getThrown().printStackTrace(new PrintWriter(w));
      o.put("error", record.getThrown().getClass().getName());
      o.put("stack", ConservativeRedactor.redactValue(w.toString()));
    }
    return Json.MAPPER.writeValueAsString(o) + System.lineSeparator();
  }

  /** Sets the format of the console handlers on the root logger (where the gateway's messages go). */
  static void install(TelemetryConfig.LogFormat format) {
    if (format != TelemetryConfig.LogFormat.JSON) {
      return;
    }
    for (Handler h : Logger.getLogger("").getHandlers()) {
      if (h instanceof ConsoleHandler) {
        h.setFormatter(new JsonLogFormatter());
      }
    }
  }
}
