package dev.bastion.integrity;

import dev.bastion.config.BastionConfig;
import dev.bastion.config.IntegrityConfig;
import dev.bastion.federation.Catalog;
import dev.bastion.federation.ToolScreen;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * Tool-definition integrity for a running gateway: the catalog's {@link ToolScreen}. Each time a
 * server's list changes (start-up, list_changed, restart) or the pins file changes (an approval),
 * every tool is judged ({@link Judge}), the pins file is updated (new TOFU pins, pending
 * definitions of quarantined tools), and the quarantined tools are withheld.
 */
public final class Integrity implements ToolScreen {
  private static final Logger LOG = Logger.getLogger(Integrity.class.getName());

  private final IntegrityConfig config;
  private final PinStore store;
  private final Judge judge;
  private final Map<String, String> origins;
  private volatile byte[] seen = new byte[0];
  private volatile Map<String, String> reported = Map.of(); // what was last logged, so each change is logged once

  public Integrity(BastionConfig config) {
    this(config.integrity(), config.dataDir(), Origins.of(config.upstreams()), Clock.systemUTC());
  }

  Integrity(IntegrityConfig config, Path dataDir, Map<String, String> origins, Clock clock) {
    this.config = config;
    this.origins = Map.copyOf(origins);
    this.store = PinStore.inDataDir(dataDir);
    this.judge = new Judge(config, manifest(config), clock);
  }

  /** The manifest's pins; a manifest that cannot be read trusts nothing (every tool waits for approval). */
  private static PinFile manifest(IntegrityConfig config) {
    if (config.manifest() == null) {
      return PinFile.EMPTY;
    }
    try {
      return PinStore.readManifest(config.manifest());
    } catch (RuntimeException e) {
      LOG.severe("integrity manifest unusable, trusting no tool until approved: " + e.getMessage());
      return PinFile.EMPTY;
    }
  }

  @Override
  public Map<String, String> withheld(List<Catalog.ServerPart> parts) {
    Judge.Result[] result = new Judge.Result[1];
    store.update(pins -> {
      result[0] = judge.judge(parts, pins, origins);
      return result[0].pins();
    });
    seen = store.fingerprint();
    Map<String, String> out = new HashMap<>();
    Map<String, String> flagged = new HashMap<>();
    for (Judge.Verdict v : result[0].verdicts()) {
      if (v.state() == Judge.State.QUARANTINED) {
        flagged.put(v.exposedName(), v.reasonText() + " " + v.hash());
        if (!(v.reasonText() + " " + v.hash()).equals(reported.get(v.exposedName()))) {
          LOG.warning("tool " + v.exposedName() + " " + (config.onChange() == IntegrityConfig.OnChange.QUARANTINE ? "quarantined" : "flagged (on_change: warn)")
              + ": " + v.reasonText() + (v.findings().isEmpty() ? "" : " — " + v.findings().getFirst()));
        }
        if (config.onChange() == IntegrityConfig.OnChange.QUARANTINE) {
          out.put(v.exposedName(), v.reasonText());
        }
      }
    }
    reported = Map.copyOf(flagged);
    return out;
  }

  /** Whether the pins file changed since this gateway last read or wrote it (e.g. an approval). */
  public boolean pinsChanged() {
    return !PinStore.same(seen, store.fingerprint());
  }
}
