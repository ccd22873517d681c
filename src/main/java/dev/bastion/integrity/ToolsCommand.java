package dev.bastion.integrity;

import dev.bastion.config.BastionConfig;
import dev.bastion.config.ConfigError;
import dev.bastion.config.ConfigResult;
import dev.bastion.config.IntegrityConfig;
import dev.bastion.config.ConfigLoader;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code bastion tools list|approve}: the pin state of every tool the gateway has seen, and operator
 * approval of a quarantined tool after reviewing a diff of its definition. Works on the pins file
 * under the configured data directory; a running gateway notices the change within about a second
 * (it watches the file) and un-hides the tool.
 */
@Command(
    name = "tools",
    mixinStandardHelpOptions = true,
    description = "Tool-definition integrity: list pin states, approve quarantined tools.",
    subcommands = {ToolsCommand.ListTools.class, ToolsCommand.Approve.class})
public final class ToolsCommand implements Callable<Integer> {
  static final int OK = 0;
  static final int FOUND = 1;
  static final int INVALID = 2;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return INVALID;
  }

  static final class ConfigOption {
    @Option(names = {"-c", "--config"}, defaultValue = "bastion.yaml", paramLabel = "FILE", description = "The YAML configuration file (default: ${DEFAULT-VALUE}).")
    Path file;

    /** The configuration, or empty after printing why it cannot be used. */
    Optional<BastionConfig> load(PrintWriter err) {
      return switch (ConfigLoader.load(file)) {
        case ConfigResult.Ok ok -> Optional.of(ok.config());
        case ConfigResult.Invalid bad -> {
          err.println("bastion: " + file + " is invalid:");
          for (ConfigError e : bad.errors()) {
            err.println("  " + e);
          }
          yield Optional.empty();
        }
      };
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = {"Every tool the gateway has seen, with its pin state (pinned, new, quarantined), why, and its hash.", "Exit 0 if nothing is quarantined, 1 otherwise, 2 on a bad configuration or pins file."})
  static final class ListTools implements Callable<Integer> {
    @CommandLine.Mixin ConfigOption config;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      Optional<BastionConfig> c = config.load(err);
      if (c.isEmpty()) {
        return INVALID;
      }
      PinFile pins;
      PinFile manifest = PinFile.EMPTY;
      try {
        pins = PinStore.inDataDir(c.get().dataDir()).read();
        if (c.get().integrity().manifest() != null) {
          manifest = PinStore.readManifest(c.get().integrity().manifest());
        }
      } catch (RuntimeException e) {
        err.println("bastion: " + e.getMessage());
        return INVALID;
      }
      Map<String, String[]> rows = new TreeMap<>();
      boolean manifestMode = c.get().integrity().mode() == IntegrityConfig.Mode.MANIFEST;
      manifest.tools().forEach((server, byTool) -> byTool.forEach((tool, e) -> {
        if (e.pinned() != null) {
          rows.put(server + "\u0000" + tool, new String[] {server, tool, manifestMode ? "pinned" : "listed", "manifest", Definitions.shortHash(e.pinned().hash())});
        }
      }));
      int quarantined = 0;
      for (Map.Entry<String, Map<String, PinFile.Entry>> s : pins.tools().entrySet()) {
        for (Map.Entry<String, PinFile.Entry> t : s.getValue().entrySet()) {
          PinFile.Entry e = t.getValue();
          String state;
          String why;
          String hash;
          if (e.pending() != null) {
            state = e.pinned() == null && !rows.containsKey(s.getKey() + "\u0000" + t.getKey()) ? "new" : "quarantined";
            why = String.join(",", e.pending().reasons());
            hash = Definitions.shortHash(e.pending().hash());
            quarantined++;
          } else if (e.pinned() != null) {
            state = "pinned";
            why = e.pinned().source().wire();
            hash = Definitions.shortHash(e.pinned().hash());
          } else {
            continue;
          }
          rows.put(s.getKey() + "\u0000" + t.getKey(), new String[] {s.getKey(), t.getKey(), state, why, hash});
        }
      }
      out.printf("%-16s %-32s %-12s %-40s %s%n", "SERVER", "TOOL", "STATE", "WHY", "HASH");
      for (String[] r : rows.values()) {
        out.printf("%-16s %-32s %-12s %-40s %s%n", Excerpts.clip(r[0]), Excerpts.clip(r[1]), r[2], r[3], r[4]);
      }
      if (rows.isEmpty()) {
        out.println("(no tools seen yet: start the gateway, or run bastion scan)");
      }
      out.flush();
      return quarantined == 0 ? OK : FOUND;
    }
  }

  @Command(name = "approve", mixinStandardHelpOptions = true, description = {"Show the diff of a quarantined tool's definition and, once confirmed, pin the new definition.", "Exit 0 approved, 1 not approved (declined, or nothing pending), 2 usage or file error."})
  static final class Approve implements Callable<Integer> {
    @CommandLine.Mixin ConfigOption config;
    @Parameters(index = "0", paramLabel = "SERVER") String server;
    @Parameters(index = "1", paramLabel = "TOOL", description = "The tool's name on its server (without the server__ prefix).") String tool;
    @Option(names = {"-y", "--yes"}, description = "Approve without asking (after printing the diff).") boolean yes;
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws java.io.IOException {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      Optional<BastionConfig> c = config.load(err);
      if (c.isEmpty()) {
        return INVALID;
      }
      String name = tool.startsWith(server + "__") ? tool.substring(server.length() + 2) : tool;
      PinStore store = PinStore.inDataDir(c.get().dataDir());
      Optional<Approvals.Review> review;
      try {
        review = Approvals.review(store.read(), server, name);
      } catch (RuntimeException e) {
        err.println("bastion: " + e.getMessage());
        return INVALID;
      }
      if (review.isEmpty()) {
        err.println("bastion: " + server + "/" + name + " has nothing waiting for approval (see bastion tools list)");
        return FOUND;
      }
      out.println("Tool " + server + "__" + name + " is quarantined: " + String.join(", ", review.get().pending().reasons()));
      out.print(review.get().diff());
      out.flush();
      if (!yes) {
        out.print("Pin this definition and make the tool available again? [y/N] ");
        out.flush();
        String answer = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        if (answer == null || !(answer.trim().equalsIgnoreCase("y") || answer.trim().equalsIgnoreCase("yes"))) {
          out.println("not approved");
          return FOUND;
        }
      }
      if (!Approvals.approve(store, server, name, review.get().pending().hash(), Clock.systemUTC())) {
        err.println("bastion: the definition changed again while you reviewed it; run the command again");
        return FOUND;
      }
      out.println("approved: " + server + "__" + name + " pinned at " + Definitions.shortHash(review.get().pending().hash())
          + "; a running gateway picks this up within a few seconds");
      out.flush();
      return OK;
    }
  }
}
