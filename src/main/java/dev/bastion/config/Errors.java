package dev.bastion.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.nodes.Node;

/** Collects every problem found while reading one file, up to a cap (a hostile file could produce millions). */
final class Errors {
  static final int MAX_ERRORS = 100;

  private final List<ConfigError> list = new ArrayList<>();
  private boolean truncated;

  void add(String path, Node node, String message) {
    add(path, node == null ? Optional.empty() : node.getStartMark(), message);
  }

  void add(String path, Optional<Mark> mark, String message) {
    int line = mark.map(m -> m.getLine() + 1).orElse(0);
    int column = mark.map(m -> m.getColumn() + 1).orElse(0);
    add(new ConfigError(path, line, column, message));
  }

  void add(ConfigError error) {
    if (list.size() < MAX_ERRORS) {
      list.add(error);
    } else {
      truncated = true;
    }
  }

  boolean isEmpty() {
    return list.isEmpty();
  }

  int size() {
    return list.size();
  }

  /** The errors in file order, with a final note when some were left out. */
  List<ConfigError> sorted() {
    List<ConfigError> out = new ArrayList<>(list);
    out.sort(Comparator.comparingInt(ConfigError::line).thenComparingInt(ConfigError::column));
    if (truncated) {
      out.add(new ConfigError("", 0, 0, "more than " + MAX_ERRORS + " problems; only the first " + MAX_ERRORS + " are listed"));
    }
    return out;
  }
}
