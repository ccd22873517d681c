package dev.bastion.testing;

import dev.bastion.config.BastionConfig;
import dev.bastion.config.ConfigError;
import dev.bastion.config.ConfigResult;
import dev.bastion.gateway.ConfigChecks;
import dev.bastion.gateway.Gateway;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts a real, in-process {@link Gateway} for integration tests: it writes a config file into a
 * temporary directory from a {@link Builder}, loads it through the same checks as {@code bastion
 * serve}, and starts the gateway on ephemeral ports (listener and admin on 127.0.0.1:0).
 *
 * <pre>{@code
 * @RegisterExtension
 * static final GatewayExtension GW = GatewayExtension.builder()
 *     .demo("demo")
 *     .agent("alice", "alice-key", "reader")
 *     .allow("readers", "\"reader\" in agent.roles")
 *     .build();
 *
 * McpWire alice = GW.wire("alice-key");
 * }</pre>
 *
 * Registered on a {@code static} field the gateway lives for the whole class; on an instance field
 * it is started before and closed after each test. {@link #reload} rewrites the file and hands the
 * new configuration to the running gateway, as the file watcher of {@code bastion serve} does.
 */
public final class GatewayExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
  private final Builder builder;
  private Path dir;
  private Gateway gateway;
  private boolean perClass;

  private GatewayExtension(Builder builder) {
    this.builder = builder;
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    perClass = true;
    start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    stop();
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    if (!perClass) {
      start();
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (!perClass) {
      stop();
    }
  }

  /** Starts the gateway (done by JUnit; public for tests that manage the lifecycle themselves). */
  public void start() throws IOException {
    dir = Files.createTempDirectory("bastion-itest");
    Files.createDirectories(dir.resolve("sandbox"));
    BastionConfig config = load(builder.yaml());
    gateway = Gateway.start(config);
  }

  public void stop() {
    if (gateway != null) {
      gateway.close();
      gateway = null;
    }
    if (dir != null) {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        // best effort: it is a temporary directory
      }
      dir = null;
    }
  }

  public Gateway gateway() {
    return gateway;
  }

  /** The agent endpoint, {@code http://127.0.0.1:<port>/mcp}. */
  public URI mcpUrl() {
    return URI.create(gateway.mcpUrl());
  }

  /** The admin listener, {@code http://127.0.0.1:<port>}. */
  public URI adminUrl() {
    return URI.create(gateway.adminUrl());
  }

  /** A client acting as the agent that holds {@code apiKey} (null: no credential). */
  public McpWire wire(String apiKey) {
    return new McpWire(mcpUrl(), apiKey);
  }

  /** The temporary directory holding the config file, {@code data/} and {@code sandbox/}. */
  public Path dir() {
    return dir;
  }

  /** The default SQLite audit store, {@code <data_dir>/audit.db}. */
  public Path auditStore() {
    return dir.resolve("data").resolve("audit.db");
  }

  /** The data directory (audit store, keys). */
  public Path dataDir() {
    return dir.resolve("data");
  }

  /**
   * Applies {@code change} to a copy of the configuration, writes the file and reloads the running
   * gateway with it. Returns what the gateway said: {@link ConfigResult.Ok} when applied (the copy
   * becomes the extension's configuration), {@link ConfigResult.Invalid} when refused (it does not).
   */
  public ConfigResult reload(Consumer<Builder> change) throws IOException {
    Builder next = builder.copy();
    change.accept(next);
    ConfigResult result = reloadYaml(next.yaml());
    if (result instanceof ConfigResult.Ok) {
      builder.replaceWith(next);
    }
    return result;
  }

  /** Reloads from literal YAML (e.g. a file that fails the checks beyond the schema). */
  public ConfigResult reloadYaml(String yaml) throws IOException {
    Path file = dir.resolve("bastion.yaml");
    Files.writeString(file, yaml);
    return switch (dev.bastion.config.ConfigLoader.load(file)) {
      case ConfigResult.Ok ok -> gateway.reload(ok.config());
      case ConfigResult.Invalid bad -> bad;
    };
  }

  private BastionConfig load(String yaml) throws IOException {
    Path file = dir.resolve("bastion.yaml");
    Files.writeString(file, yaml);
    return switch (ConfigChecks.load(file)) {
      case ConfigResult.Ok ok -> ok.config();
      case ConfigResult.Invalid bad ->
          throw new IllegalArgumentException(
              "test config is invalid:\n" + bad.errors().stream().map(ConfigError::describe).collect(Collectors.joining("\n")) + "\n" + yaml);
    };
  }

  /** The command line that runs {@code mainClass} (a test class) in a child JVM with this classpath. */
  public static List<String> javaCommand(Class<?> mainClass, String... args) {
    String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    List<String> command = new ArrayList<>(List.of(java, "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), mainClass.getName()));
    command.addAll(List.of(args));
    return command;
  }

  /** The {@code sha256:<hex>} digest a config stores for an API key. */
  public static String digest(String apiKey) {
    try {
      return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(apiKey.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The configuration, as YAML sections. Listener and admin always bind 127.0.0.1:0; {@code data_dir}
   * is {@code ./data} and {@code ./sandbox} is the demo root, both inside the temporary directory.
   */
  public static final class Builder {
    private final Map<String, String> upstreams = new LinkedHashMap<>();
    private final Map<String, String> agents = new LinkedHashMap<>();
    private final List<String> rules = new ArrayList<>();
    private final Map<String, String> limits = new LinkedHashMap<>();
    private final List<String> extra = new ArrayList<>();
    private String policyDefault = "deny";
    private String audit = "{ durability: batch }";

    /** The bundled demo server as {@code name}, serving {@code ./sandbox}. */
    public Builder demo(String name) {
      return upstream(name, "{ builtin: demo, root: ./sandbox }");
    }

    /** A stdio server: a Java main class from the test classpath, with an optional per-call timeout (e.g. "2s"). */
    public Builder stdio(String name, Class<?> mainClass, String timeout, String... args) {
      String command = javaCommand(mainClass, args).stream().map(Builder::quote).collect(Collectors.joining(", ", "[", "]"));
      return upstream(name, "{ command: " + command + (timeout == null ? "" : ", timeout: " + timeout) + " }");
    }

    /** A Streamable HTTP server with headers Bastion injects. */
    public Builder http(String name, URI url, Map<String, String> headers) {
      String h = headers.entrySet().stream().map(e -> quote(e.getKey()) + ": " + quote(e.getValue())).collect(Collectors.joining(", ", "{", "}"));
      return upstream(name, "{ url: " + quote(url.toString()) + ", headers: " + h + " }");
    }

    /** Any upstream, as a YAML flow mapping. */
    public Builder upstream(String name, String flowMapping) {
      upstreams.put(name, flowMapping);
      return this;
    }

    public Builder removeUpstream(String name) {
      upstreams.remove(name);
      return this;
    }

    public Builder agent(String id, String apiKey, String... roles) {
      agents.put(id, "{ keys: [" + quote(digest(apiKey)) + "], roles: [" + String.join(", ", roles) + "] }");
      return this;
    }

    /** An allow rule in enforce mode. */
    public Builder allow(String id, String when) {
      return rule("{ id: " + id + ", effect: allow, when: " + quote(when) + " }");
    }

    public Builder deny(String id, String when) {
      return rule("{ id: " + id + ", effect: deny, when: " + quote(when) + " }");
    }

    /** Any rule, as a YAML flow mapping. */
    public Builder rule(String flowMapping) {
      rules.add(flowMapping);
      return this;
    }

    public Builder policyDefault(String effect) {
      policyDefault = effect;
      return this;
    }

    /** A {@code limits} key, e.g. {@code limit("max_body_bytes", "4096")}. */
    public Builder limit(String key, String value) {
      limits.put(key, value);
      return this;
    }

    /** The {@code audit} section as a flow mapping (default: batch durability, fast for tests). */
    public Builder audit(String flowMapping) {
      audit = flowMapping;
      return this;
    }

    /** Extra top-level YAML (e.g. a {@code security:} section). */
    public Builder yaml(String topLevel) {
      extra.add(topLevel);
      return this;
    }

    Builder copy() {
      Builder b = new Builder();
      b.replaceWith(this);
      return b;
    }

    void replaceWith(Builder other) {
      if (other == this) {
        return;
      }
      upstreams.clear();
      upstreams.putAll(other.upstreams);
      agents.clear();
      agents.putAll(other.agents);
      rules.clear();
      rules.addAll(other.rules);
      limits.clear();
      limits.putAll(other.limits);
      extra.clear();
      extra.addAll(other.extra);
      policyDefault = other.policyDefault;
      audit = other.audit;
    }

    public GatewayExtension build() {
      return new GatewayExtension(this);
    }

    String yaml() {
      StringBuilder y = new StringBuilder("listen: 127.0.0.1:0\nadmin: 127.0.0.1:0\ndata_dir: ./data\n");
      if (!limits.isEmpty()) {
        y.append("limits:\n");
        limits.forEach((k, v) -> y.append("  ").append(k).append(": ").append(v).append('\n'));
      }
      if (!upstreams.isEmpty()) {
        y.append("upstreams:\n");
        upstreams.forEach((k, v) -> y.append("  ").append(k).append(": ").append(v).append('\n'));
      }
      if (!agents.isEmpty()) {
        y.append("agents:\n");
        agents.forEach((k, v) -> y.append("  ").append(k).append(": ").append(v).append('\n'));
      }
      y.append("policy:\n  default: ").append(policyDefault).append('\n');
      if (!rules.isEmpty()) {
        y.append("  rules:\n");
        rules.forEach(r -> y.append("    - ").append(r).append('\n'));
      }
      y.append("audit: ").append(audit).append('\n');
      extra.forEach(e -> y.append(e).append('\n'));
      return y.toString();
    }

    private static String quote(String s) {
      return "'" + s.replace("'", "''") + "'";
    }
  }
}
