package dev.bastion.config;

import dev.bastion.config.Interpolation.Text;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/** The {@code integrity:} section: tool-definition pinning and quarantine. */
final class IntegrityBinding extends ValueBinder {
  static final List<String> INTEGRITY_KEYS = List.of("mode", "manifest", "on_change");

  IntegrityBinding(Path baseDir, Function<String, String> env, Errors errors) {
    super(baseDir, env, errors);
  }

  IntegrityConfig integrity(Fields root) {
    Fields f = section(root, "integrity", INTEGRITY_KEYS);
    if (f == null) {
      return null;
    }
    IntegrityConfig.Mode mode = f.has("mode")
        ? choice(f.value("mode"), f.path("mode"), IntegrityConfig.Mode.class, "tofu", "manifest")
        : IntegrityConfig.Mode.TOFU;
    Path manifest = path(f, "manifest", null);
    IntegrityConfig.OnChange onChange = f.has("on_change")
        ? choice(f.value("on_change"), f.path("on_change"), IntegrityConfig.OnChange.class, "quarantine", "warn")
        : IntegrityConfig.OnChange.QUARANTINE;
    if (mode == null || onChange == null || (f.has("manifest") && manifest == null)) {
      return null;
    }
    if (mode == IntegrityConfig.Mode.MANIFEST && manifest == null) {
      errors.add(f.path("mode"), f.value("mode"), "mode manifest needs integrity.manifest, the file of pre-approved tool definitions (e.g. manifest: ./tools.pins.json)");
      return null;
    }
    return new IntegrityConfig(mode, manifest, onChange);
  }
}
