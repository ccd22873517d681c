package dev.bastion.demo;

import dev.bastion.jsonrpc.JsonRpcCodec;
import dev.bastion.jsonrpc.JsonRpcCodes;
import dev.bastion.jsonrpc.JsonRpcLimits;
import dev.bastion.jsonrpc.JsonRpcMessage;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The bundled demo tool server that {@code bastion demo} runs: a real MCP server (protocol
 * 2025-11-25, also accepting 2025-06-18 and 2025-03-26) speaking newline-delimited JSON-RPC 2.0 on
 * a pair of streams, with file, search, web (offline fixtures) and email (local outbox) tools over
 * one workspace folder. It needs no network and no external service.
 *
 * <pre>
 *   java -cp bastion.jar dev.bastion.demo.DemoServer --root /tmp/bastion-demo
 *   new DemoServer(root).serve(in, out);   // in-process, returns when {@code in} ends
 * </pre>
 *
 * <p>stdout carries protocol messages only; logs go to stderr.
 */
public final class DemoServer {

  private static final System.Logger LOG = System.getLogger(DemoServer.class.getName());

  public static final String SERVER_NAME = "bastion-demo";

  /** The revision this server speaks by default and answers with for unknown requested versions. */
  public static final String PROTOCOL_VERSION = "2025-11-25";

  /** Revisions echoed back when a client asks for them, newest first. */
  public static final List<String> SUPPORTED_PROTOCOL_VERSIONS = List.of("2025-11-25", "2025-06-18", "2025-03-26");

  private static final String METHODS =
      "initialize, ping, tools/list, tools/call, resources/list, resources/read, resources/templates/list, "
          + "prompts/list, prompts/get";

  private final JsonRpcCodec codec = new JsonRpcCodec(JsonRpcLimits.DEFAULT);
  private final Sandbox sandbox;
  private final ToolCatalog tools;
  private final WorkspaceResources resources;
  private final DemoPrompts prompts = new DemoPrompts();
  private final WebFixtures web;

  /**
   * Serves the workspace at {@code root}. If the folder does not exist it is created and filled
   * with the bundled demo files (notes, docs, a project folder and a fake {@code secrets/.env}).
   */
  public DemoServer(Path root) throws IOException {
    Path absolute = root.toAbsolutePath().normalize();
    if (Fixtures.seedIfAbsent(absolute)) {
      LOG.log(Level.INFO, "created the demo workspace at {0}", absolute);
    }
    this.sandbox = new Sandbox(absolute);
    FileTools files = new FileTools(sandbox);
    this.web = new WebFixtures(codec.mapper());
    Outbox outbox = new Outbox(sandbox, codec.mapper(), Clock.systemUTC());
    Map<String, ToolHandler> handlers = new LinkedHashMap<>();
    handlers.put("read_file", files::readFile);
    handlers.put("list_files", files::listFiles);
    handlers.put("search_notes", files::searchNotes);
    handlers.put("fetch_url", web::fetch);
    handlers.put("send_email", outbox::send);
    handlers.put("echo", DiagnosticTools::echo);
    handlers.put("slow_task", DiagnosticTools::slowTask);
    this.tools = new ToolCatalog(codec.mapper(), handlers);
    this.resources = new WorkspaceResources(sandbox, files);
  }

  /** The workspace folder, fully resolved. */
  public Path root() {
    return sandbox.root();
  }

  /** The URLs {@code fetch_url} can serve from its offline fixtures. */
  public List<String> fixtureUrls() {
    return web.urls();
  }

  /** Serves one client until {@code in} ends, then waits for running requests. Does not close the streams. */
  public void serve(InputStream in, OutputStream out) {
    serve(in, out, Connection.Listener.NONE);
  }

  void serve(InputStream in, OutputStream out, Connection.Listener listener) {
    new Connection(this, codec, out, listener).run(in);
  }

  /** Answers one request. Runs on the request's own virtual thread. */
  Reply handle(JsonRpcMessage.Request request, ToolContext context) throws InterruptedException {
    ObjectNode params = request.params();
    return switch (request.method()) {
      case "initialize" -> initialize(params);
      case "ping" -> Reply.result(JsonNodeFactory.instance.objectNode());
      case "tools/list" -> tools.list(params);
      case "tools/call" -> tools.call(params, context);
      case "resources/list" -> resources.list(params);
      case "resources/read" -> resources.read(params);
      case "resources/templates/list" -> resources.templates(params);
      case "prompts/list" -> prompts.list(params);
      case "prompts/get" -> prompts.get(params);
      default ->
          Reply.failure(
              JsonRpcCodes.METHOD_NOT_FOUND,
              "method \"" + clip(request.method()) + "\" is not supported by " + SERVER_NAME + "; it serves " + METHODS);
    };
  }

  private Reply initialize(ObjectNode params) {
    JsonNode requested = params.get("protocolVersion");
    if (requested == null || !requested.isString()) {
      return Reply.failure(
          JsonRpcCodes.INVALID_PARAMS, "\"protocolVersion\" must be a string such as \"" + PROTOCOL_VERSION + "\"");
    }
    String version =
        SUPPORTED_PROTOCOL_VERSIONS.contains(requested.asString()) ? requested.asString() : PROTOCOL_VERSION;
    ObjectNode result = JsonNodeFactory.instance.objectNode();
    result.put("protocolVersion", version);
    ObjectNode capabilities = result.putObject("capabilities");
    capabilities.putObject("tools").put("listChanged", false);
    capabilities.putObject("resources");
    capabilities.putObject("prompts");
    result.putObject("serverInfo").put("name", SERVER_NAME).put("title", "Bastion demo tools").put("version", version());
    result.put(
        "instructions",
        "Demo workspace tools: read and list files, search notes, fetch pages from an offline demo web, "
            + "and queue emails in a local outbox.");
    return Reply.result(result);
  }

  static String version() {
    String v = DemoServer.class.getPackage().getImplementationVersion();
    return v == null ? "0.1.0-dev" : v;
  }

  private static String clip(String s) {
    return s.length() > 100 ? s.substring(0, 100) + "…" : s;
  }

  /**
   * {@code --root <dir>}: the workspace folder (created and seeded when missing). Protocol on
   * stdout, logs on stderr; exits when stdin ends.
   */
  public static void main(String[] args) {
    if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
      System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tFT%1$tT.%1$tL %4$s %3$s: %5$s%6$s%n");
    }
    // stdout belongs to the protocol: keep the real descriptor and send stray prints to stderr.
    OutputStream protocolOut = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out));
    System.setOut(System.err);
    Path root = null;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--root") && i + 1 < args.length) {
        root = Path.of(args[++i]);
      } else if (arg.startsWith("--root=")) {
        root = Path.of(arg.substring("--root=".length()));
      } else if (arg.equals("--help") || arg.equals("-h")) {
        System.err.println(usage());
        return;
      } else {
        System.err.println("unexpected argument \"" + arg + "\"\n" + usage());
        System.exit(2);
      }
    }
    if (root == null) {
      System.err.println("missing --root <dir>\n" + usage());
      System.exit(2);
    }
    DemoServer server;
    try {
      server = new DemoServer(root);
    } catch (IOException e) {
      System.err.println("cannot prepare the demo workspace " + root + ": " + e.getMessage());
      System.exit(1);
      return;
    }
    LOG.log(Level.INFO, "{0} {1} serving {2} on stdio", SERVER_NAME, version(), server.root());
    server.serve(System.in, protocolOut);
    LOG.log(Level.INFO, "stdin closed; {0} stopped", SERVER_NAME);
  }

  private static String usage() {
    return "usage: java -cp bastion.jar dev.bastion.demo.DemoServer --root <dir>\n"
        + "  --root <dir>  workspace folder; created and filled with demo files if it does not exist";
  }
}
