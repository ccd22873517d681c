package dev.bastion.admin;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRules;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.function.Supplier;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The operator-facing port: {@code /healthz} (the process is alive) and {@code /readyz} (config
 * loaded, upstreams reachable, audit writable), each with a JSON body saying what is not ready.
 * Kept off the agent-facing listener so that probes never need agent credentials.
 */
public final class AdminServer {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final Supplier<List<Readiness>> checks;
  private final Metrics metrics;

  /** The Prometheus exposition served at {@code /metrics}. */
  public record Metrics(String contentType, Writer writer) {
    @FunctionalInterface
    public interface Writer {
      void write(OutputStream out) throws IOException;
    }
  }

  public AdminServer(Supplier<List<Readiness>> checks) {
    this(checks, null);
  }

  /** With {@code metrics} null there is no {@code /metrics} (404). */
  public AdminServer(Supplier<List<Readiness>> checks, Metrics metrics) {
    this.checks = checks;
    this.metrics = metrics;
  }

  public void register(HttpRules rules) {
    rules.get(
        "/healthz",
        (req, res) -> {
          res.header(HeaderNames.CONTENT_TYPE, "application/json");
          res.send("{\"status\":\"alive\"}");
        });
    rules.get(
        "/readyz",
        (req, res) -> {
          ObjectNode body = readiness();
          res.status(body.path("ready").asBoolean() ? 200 : 503);
          res.header(HeaderNames.CONTENT_TYPE, "application/json");
          res.send(JSON.writeValueAsBytes(body));
        });
    if (metrics != null) {
      rules.get(
          "/metrics",
          (req, res) -> {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(16 * 1024);
            metrics.writer().write(out);
            res.header(HeaderNames.CONTENT_TYPE, metrics.contentType());
            res.send(out.toByteArray());
          });
    }
  }

  ObjectNode readiness() {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    ObjectNode detail = body.putObject("checks");
    boolean ready = true;
    for (Readiness r : checks.get()) {
      ObjectNode c = detail.putObject(r.name());
      switch (r.status()) {
        case Readiness.Status.Ready ok -> c.put("ready", true).put("detail", ok.detail());
        case Readiness.Status.NotReady no -> {
          ready = false;
          c.put("ready", false).put("reason", no.reason());
        }
      }
    }
    body.put("ready", ready);
    var notReady = body.putArray("not_ready");
    detail.properties().forEach(e -> {
      if (!e.getValue().path("ready").asBoolean()) {
        notReady.add(e.getKey());
      }
    });
    return body;
  }

  /** Starts the admin listener; the caller stops it. */
  public static WebServer start(String host, int port, AdminServer admin) {
    return WebServer.builder().host(host).port(port).routing(r -> admin.register(r)).build().start();
  }
}
