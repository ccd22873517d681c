package dev.bastion.config;

import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.api.lowlevel.Parse;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.events.NodeEvent;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.ReaderException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * Turns YAML text into a node tree with positions, refusing what a config file never needs and a
 * hostile one could abuse.
 *
 * <p>Two passes. The first walks the parser's event stream (iterative, so it cannot overflow the
 * stack) and rejects: syntax errors, more than one document, nesting deeper than {@link #MAX_DEPTH},
 * and every anchor and alias. Aliases are refused outright rather than capped, because a config
 * never needs them and even a capped expansion ("billion laughs") costs memory and reasoning. Only
 * when that pass is clean does the second pass compose the tree (the composer recurses, which is
 * safe once depth is known to be small).
 */
final class YamlSource {
  static final int MAX_BYTES = 1024 * 1024;
  static final int MAX_DEPTH = 32;

  private YamlSource() {}

  static LoadSettings settings() {
    return LoadSettings.builder()
        .setLabel("config")
        .setUseMarks(true)
        .setAllowDuplicateKeys(true) // the binder reports duplicates itself, all of them, with positions
        .setMaxAliasesForCollections(0)
        .setAllowRecursiveKeys(false)
        .setAllowNonScalarKeys(true) // the binder rejects them itself, with a position
        .setCodePointLimit(MAX_BYTES + 1)
        .build();
  }

  /** The root node (empty for an empty document), or empty with {@code errors} filled. */
  static Optional<Node> read(String text, Errors errors) {
    LoadSettings settings = settings();
    if (!prescan(text, settings, errors)) {
      return Optional.empty();
    }
    try {
      return new Compose(settings).composeString(text);
    } catch (YamlEngineException e) {
      report(e, text, errors);
      return Optional.empty();
    }
  }

  private static boolean prescan(String text, LoadSettings settings, Errors errors) {
    int depth = 0;
    int documents = 0;
    boolean clean = true;
    try {
      for (Event event : new Parse(settings).parseString(text)) {
        if (event instanceof NodeEvent node && node.getAnchor().isPresent()) {
          clean = false;
          String kind = event.getEventId() == Event.ID.Alias ? "alias *" : "anchor &";
          errors.add("", event.getStartMark(), "YAML " + kind + node.getAnchor().get().getValue()
              + " is not allowed; anchors and aliases are rejected in Bastion config files, write the value out in full");
          if (errors.size() >= Errors.MAX_ERRORS) {
            return false;
          }
        }
        switch (event.getEventId()) {
          case DocumentStart -> {
            documents++;
            if (documents > 1) {
              errors.add("", event.getStartMark(), "the file holds more than one YAML document (---); expected exactly one");
              return false;
            }
          }
          case MappingStart, SequenceStart -> {
            depth++;
            if (depth > MAX_DEPTH) {
              errors.add("", event.getStartMark(), "nesting is deeper than " + MAX_DEPTH + " levels; a Bastion config never needs that much");
              return false;
            }
          }
          case MappingEnd, SequenceEnd -> depth--;
          default -> {}
        }
      }
    } catch (YamlEngineException e) {
      report(e, text, errors);
      return false;
    }
    return clean;
  }

  private static void report(YamlEngineException e, String text, Errors errors) {
    switch (e) {
      case MarkedYamlEngineException m -> {
        StringBuilder msg = new StringBuilder("YAML syntax error: ").append(m.getProblem());
        if (m.getContext() != null && !m.getContext().isBlank()) {
          msg.append(" (").append(m.getContext()).append(')');
        }
        errors.add("", m.getProblemMark().or(m::getContextMark), msg.toString());
      }
      case ReaderException r -> {
        int[] lc = lineColumn(text, r.getPosition());
        errors.add(new ConfigError("", lc[0], lc[1], String.format(
            "the file contains the character U+%04X, which YAML does not allow; remove it", r.getCodePoint())));
      }
      default -> errors.add(new ConfigError("", 0, 0, "the YAML could not be read: " + e.getMessage()));
    }
  }

  /** 1-based line and column of a code-point index. */
  static int[] lineColumn(String text, int codePointIndex) {
    int line = 1;
    int column = 1;
    int seen = 0;
    for (int i = 0; i < text.length() && seen < codePointIndex; seen++) {
      int cp = text.codePointAt(i);
      i += Character.charCount(cp);
      if (cp == '\n') {
        line++;
        column = 1;
      } else {
        column++;
      }
    }
    return new int[] {line, column};
  }
}
