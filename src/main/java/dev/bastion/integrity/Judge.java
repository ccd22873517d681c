package dev.bastion.integrity;

import dev.bastion.config.IntegrityConfig;
import dev.bastion.federation.Catalog;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.node.ObjectNode;

/**
 * Judges every listed tool against the pins, the manifest and the poisoning and look-alike checks.
 * Pure apart from the clock: given the same lists and pins it gives the same verdicts and the same
 * updated pins, so the gateway, {@code bastion scan} and the tests share it.
 *
 * <ul>
 *   <li>pinned and unchanged: trusted, unless the scan flags it and the pin was only taken on
 *       first use (an operator's approval or the manifest covers what the scan finds);
 *   <li>pinned and changed (rug pull): quarantined; the new definition is kept as pending;
 *   <li>not pinned: in tofu mode pinned now if the scan finds nothing, otherwise quarantined; in
 *       manifest mode quarantined until approved.
 * </ul>
 *
 * Look-alike names are judged in configuration order: the later server is the newcomer.
 */
final class Judge {
  static final String CHANGED = "changed";
  static final String NOT_IN_MANIFEST = "not_in_manifest";
  static final String SERVER_CHANGED = "server_changed";

  private final IntegrityConfig config;
  private final PinFile manifest;
  private final Clock clock;
  private final PoisonScanner scanner = new PoisonScanner();

  Judge(IntegrityConfig config, PinFile manifest, Clock clock) {
    this.config = config;
    this.manifest = manifest;
    this.clock = clock;
  }

  enum State {
    TRUSTED,
    QUARANTINED
  }

  record Verdict(String server, String tool, String hash, State state, List<String> reasons, List<Finding> findings, PinFile.Pin pin) {
    String exposedName() {
      return Catalog.expose(server, tool);
    }

    String reasonText() {
      return String.join(", ", reasons);
    }
  }

  record Result(List<Verdict> verdicts, PinFile pins) {}

  Result judge(List<Catalog.ServerPart> parts, PinFile pins) {
    return judge(parts, pins, Map.of());
  }

  /**
   * @param origins per server, a digest of its launch command or URL ({@link Origins}); a pinned
   *     tool whose server now runs something else is quarantined as {@code server_changed} (SH-02)
   */
  Result judge(List<Catalog.ServerPart> parts, PinFile pins, Map<String, String> origins) {
    Map<String, Set<String>> toolsByServer = new LinkedHashMap<>();
    for (Catalog.ServerPart p : parts) {
      Set<String> names = new LinkedHashSet<>();
      p.tools().forEach(t -> names.add(t.path("name").asString("")));
      toolsByServer.put(p.server(), names);
    }
    PoisonScanner.Neighbours neighbours = PoisonScanner.Neighbours.of(toolsByServer);
    List<String> order = new ArrayList<>(toolsByServer.keySet());
    String now = clock.instant().toString();
    List<Verdict> verdicts = new ArrayList<>();
    PinFile next = pins;
    NameIndex names = new NameIndex();
    for (int i = 0; i < parts.size(); i++) {
      Catalog.ServerPart part = parts.get(i);
      List<Finding> serverFindings = serverNameFindings(part.server(), order.subList(0, i));
      String origin = origins.get(part.server());
      for (ObjectNode definition : part.tools()) {
        String tool = definition.path("name").asString("");
        List<Finding> findings = new ArrayList<>(serverFindings);
        findings.addAll(scanner.scan(definition, part.server(), neighbours));
        findings.addAll(names.check(tool));
        String hash = Definitions.hash(definition);
        PinFile.Entry entry = next.get(part.server(), tool);
        PinFile.Pin pin = effectivePin(part.server(), tool, entry);
        List<String> reasons = new ArrayList<>();
        PinFile.Pin newPin = pin;
        boolean moved = pin != null && pin.origin() != null && origin != null && !pin.origin().equals(origin);
        if (pin != null && pin.hash().equals(hash)) {
          if (moved) {
            reasons.add(SERVER_CHANGED);
          }
          if (pin.source() == PinFile.Source.TOFU) {
            reasons.addAll(kinds(findings));
          }
        } else if (pin != null) {
          reasons.add(CHANGED);
          if (moved) {
            reasons.add(SERVER_CHANGED);
          }
          reasons.addAll(kinds(findings));
        } else if (config.mode() == IntegrityConfig.Mode.MANIFEST) {
          reasons.add(NOT_IN_MANIFEST);
          reasons.addAll(kinds(findings));
        } else if (findings.isEmpty()) {
          newPin = new PinFile.Pin(hash, PinFile.Source.TOFU, now, Definitions.canonical(definition), origin);
        } else {
          reasons.addAll(kinds(findings));
        }
        State state = reasons.isEmpty() ? State.TRUSTED : State.QUARANTINED;
        next = record(next, part.server(), tool, entry, newPin, state, hash, reasons, definition, now, origin);
        verdicts.add(new Verdict(part.server(), tool, hash, state, List.copyOf(reasons), List.copyOf(findings), newPin));
      }
      for (ObjectNode definition : part.tools()) {
        names.add(part.server(), definition.path("name").asString(""));
      }
    }
    return new Result(List.copyOf(verdicts), next);
  }

  /** The pin that counts: in manifest mode the manifest's, unless an operator approved a newer one locally. */
  private PinFile.Pin effectivePin(String server, String tool, PinFile.Entry entry) {
    PinFile.Pin local = entry == null ? null : entry.pinned();
    if (config.mode() == IntegrityConfig.Mode.TOFU) {
      if (local != null) {
        return local;
      }
    } else if (local != null && local.source() == PinFile.Source.APPROVED) {
      return local;
    }
    PinFile.Entry m = manifest.get(server, tool);
    if (m == null || m.pinned() == null) {
      return null;
    }
    PinFile.Pin p = m.pinned();
    return new PinFile.Pin(p.hash(), PinFile.Source.MANIFEST, p.at(), p.definition(), null);
  }

  private static PinFile record(
      PinFile pins, String server, String tool, PinFile.Entry entry, PinFile.Pin newPin, State state, String hash, List<String> reasons, ObjectNode definition, String now, String origin) {
    PinFile.Pin storedPin = entry == null ? null : entry.pinned();
    if (newPin != null && newPin.source() == PinFile.Source.TOFU && storedPin == null) {
      storedPin = newPin; // first sight: pin it
    }
    PinFile.Pending pending = entry == null ? null : entry.pending();
    if (state == State.TRUSTED) {
      pending = null;
    } else if (pending == null || !pending.hash().equals(hash) || !pending.reasons().equals(reasons) || !java.util.Objects.equals(pending.origin(), origin)) {
      pending = new PinFile.Pending(hash, reasons, now, Definitions.canonical(definition), origin);
    }
    PinFile.Entry updated = new PinFile.Entry(storedPin, pending);
    return updated.equals(entry) || (entry == null && storedPin == null && pending == null) ? pins : pins.with(server, tool, updated);
  }

  private static List<String> kinds(List<Finding> findings) {
    LinkedHashSet<String> out = new LinkedHashSet<>();
    findings.forEach(f -> out.add(f.kind().wireName()));
    return List.copyOf(out);
  }

  private static List<Finding> serverNameFindings(String server, List<String> earlier) {
    List<Finding> out = new ArrayList<>();
    for (String e : earlier) {
      Names.lookalike(e, server, true).ifPresent(why -> out.add(new Finding(Finding.Kind.CONFUSABLE_NAME, "server name", why)));
    }
    return out;
  }

  /**
   * Tool names of the servers judged so far, indexed so that each new name is compared in time
   * linear in its length, not against every earlier name: by folded key (confusables) and by every
   * one-character deletion of the key (names one edit apart share one).
   */
  private static final class NameIndex {
    private record Owner(String server, String tool) {}

    private final Map<String, Owner> byKey = new java.util.HashMap<>();
    private final java.util.Set<String> exact = new java.util.HashSet<>();
    private final Map<String, List<Owner>> byDeletion = new java.util.HashMap<>();

    void add(String server, String tool) {
      String key = Folding.nameKey(tool);
      Owner owner = new Owner(server, tool);
      exact.add(tool);
      byKey.putIfAbsent(key, owner);
      if (tool.length() >= 8) {
        for (String d : deletions(key)) {
          List<Owner> owners = byDeletion.computeIfAbsent(d, k -> new ArrayList<>());
          if (owners.size() < 8) {
            owners.add(owner);
          }
        }
      }
    }

    List<Finding> check(String tool) {
      List<Finding> out = new ArrayList<>();
      if (exact.contains(tool)) {
        return out; // the very name an earlier server offers: namespaced, not a look-alike
      }
      String key = Folding.nameKey(tool);
      java.util.Set<Owner> candidates = new LinkedHashSet<>();
      Owner same = byKey.get(key);
      if (same != null) {
        candidates.add(same);
      }
      if (tool.length() >= 8) {
        for (String d : deletions(key)) {
          candidates.addAll(byDeletion.getOrDefault(d, List.of()));
        }
      }
      for (Owner o : candidates) {
        Names.lookalike(o.tool(), tool, o.tool().length() >= 8)
            .ifPresent(why -> out.add(new Finding(Finding.Kind.CONFUSABLE_NAME, "name", why + " (a tool of " + o.server() + ")")));
        if (out.size() >= 4) {
          break;
        }
      }
      return out;
    }

    /** The key itself and the key with each one character removed (bounded: keys are clipped to 64). */
    private static List<String> deletions(String key) {
      String k = key.length() > 64 ? key.substring(0, 64) : key;
      List<String> out = new ArrayList<>(k.length() + 1);
      out.add(k);
      for (int i = 0; i < k.length(); i++) {
        out.add(k.substring(0, i) + k.substring(i + 1));
      }
      return out;
    }
  }
}
