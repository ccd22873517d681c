package dev.bastion.integrity;

import dev.bastion.config.BastionConfig;
import dev.bastion.config.UpstreamConfig;
import dev.bastion.federation.Catalog;
import dev.bastion.jsonrpc.JsonRpcCodec;
import dev.bastion.jsonrpc.JsonRpcLimits;
import dev.bastion.upstream.Upstream;
import dev.bastion.upstream.UpstreamContext;
import dev.bastion.upstream.UpstreamException;
import dev.bastion.upstream.Upstreams;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code bastion scan}: connects to every configured upstream (initialize and list only, no tool is
 * called), runs the same integrity checks the gateway runs (pins, manifest, poisoning, look-alike
 * names) and prints the findings. Read-only: the pins file is not written. Local: nothing is sent
 * anywhere but to the configured upstreams.
 */
@Command(
    name = "scan",
    mixinStandardHelpOptions = true,
    description = {"Check the configured upstreams' tool definitions without serving (read-only, local).", "Exit 0 if nothing was found, 1 if a tool would be quarantined or a server could not be scanned, 2 on a bad configuration."})
public final class ScanCommand implements Callable<Integer> {
  @CommandLine.Mixin ToolsCommand.ConfigOption config;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Optional<BastionConfig> loaded = config.load(err);
    if (loaded.isEmpty()) {
      return ToolsCommand.INVALID;
    }
    BastionConfig c = loaded.get();
    PinFile pins;
    try {
      pins = PinStore.inDataDir(c.dataDir()).read();
    } catch (RuntimeException e) {
      err.println("bastion: " + e.getMessage());
      return ToolsCommand.INVALID;
    }
    PinFile manifest = PinFile.EMPTY;
    if (c.integrity().manifest() != null) {
      try {
        manifest = PinStore.readManifest(c.integrity().manifest());
      } catch (RuntimeException e) {
        err.println("bastion: " + e.getMessage());
        return ToolsCommand.INVALID;
      }
    }
    JsonRpcCodec codec =
        new JsonRpcCodec(new JsonRpcLimits(c.limits().maxBodyBytes(), c.limits().maxJsonDepth(), c.limits().maxStringLength(), JsonRpcLimits.DEFAULT.maxNumberLength()));
    UpstreamContext context = new UpstreamContext(codec, c.limits().callTimeout(), c.limits().maxResponseBytes(), (server, method, params) -> {});
    Catalog catalog = new Catalog(List.copyOf(c.upstreams().keySet()));
    int problems = 0;
    List<Upstream> started = new ArrayList<>();
    try {
      for (Map.Entry<String, UpstreamConfig> e : c.upstreams().entrySet()) {
        Upstream u = Upstreams.create(e.getValue(), context);
        started.add(u);
        try {
          u.start();
          catalog.refresh(e.getKey(), u, c.limits().callTimeout());
        } catch (UpstreamException ex) {
          out.println(e.getKey() + ": could not be scanned: " + ex.getMessage());
          problems++;
        }
      }
    } finally {
      started.forEach(Upstream::close);
    }
    Judge.Result result = new Judge(c.integrity(), manifest, Clock.systemUTC()).judge(catalog.parts(), pins, Origins.of(c.upstreams()));
    int tools = 0;
    for (Judge.Verdict v : result.verdicts()) {
      tools++;
      if (v.state() == Judge.State.TRUSTED) {
        continue;
      }
      problems++;
      out.println(v.exposedName() + ": would be quarantined (" + v.reasonText() + ") " + Definitions.shortHash(v.hash()));
      for (Finding f : v.findings()) {
        out.println("  - " + f);
      }
    }
    out.println("scanned " + c.upstreams().size() + " servers, " + tools + " tools: " + (problems == 0 ? "no findings" : problems + " finding(s)"));
    out.flush();
    return problems == 0 ? ToolsCommand.OK : ToolsCommand.FOUND;
  }
}
