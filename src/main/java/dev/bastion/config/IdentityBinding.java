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

/** The {@code identity:} section: JWT bearer tokens and the protected-resource metadata. */
final class IdentityBinding extends ValueBinder {
  static final List<String> IDENTITY_KEYS = List.of("jwt", "authorization_servers");
  static final List<String> JWT_KEYS =
      List.of("issuer", "jwks", "jwks_file", "roles_claim", "agent_claim", "clock_skew", "jwks_max_age", "jwks_min_refresh");
  static final Pattern CLAIM_NAME = Pattern.compile("[A-Za-z0-9_:.-]{1,64}");

  IdentityBinding(Path baseDir, Function<String, String> env, Errors errors) {
    super(baseDir, env, errors);
  }

  IdentityConfig identity(Fields root) {
    Fields f = section(root, "identity", IDENTITY_KEYS);
    if (f == null) {
      return null;
    }
    IdentityConfig.Jwt jwt = null;
    boolean ok = true;
    if (f.has("jwt") && !isNull(f.value("jwt"))) {
      jwt = jwt(f);
      ok = jwt != null;
    }
    List<String> servers = stringList(f, "authorization_servers", (t, p, n) -> httpUrl(n, p));
    if (!ok || servers == null) {
      return null;
    }
    if (servers.isEmpty() && jwt != null) {
      servers = List.of(jwt.issuer());
    }
    return new IdentityConfig(jwt, servers);
  }

  private IdentityConfig.Jwt jwt(Fields parent) {
    Fields f = section(parent, "jwt", JWT_KEYS);
    if (f == null) {
      return null;
    }
    String issuer = null;
    if (!f.has("issuer")) {
      errors.add(parent.path("jwt"), parent.value("jwt"), "missing required key issuer; expected the authorization server's issuer URL (the iss claim)");
    } else {
      Text t = text(f.value("issuer"), f.path("issuer"), "the issuer (the iss claim)");
      issuer = t == null || t.value().isBlank() ? null : t.value();
      if (t != null && t.value().isBlank()) {
        errors.add(f.path("issuer"), f.value("issuer"), "the issuer is empty; expected the iss value tokens carry");
      }
    }
    String url = null;
    Path file = null;
    boolean keysOk = true;
    if (f.has("jwks") == f.has("jwks_file")) {
      errors.add(parent.path("jwt"), parent.value("jwt"), "expected exactly one of jwks (an https URL) and jwks_file (a local JWKS file)");
      keysOk = false;
    } else if (f.has("jwks")) {
      url = httpUrl(f.value("jwks"), f.path("jwks"));
      if (url != null && !jwksUrlAllowed(url)) {
        errors.add(f.path("jwks"), f.value("jwks"), "a JWKS URL must use https (plain http only for a loopback host)");
        url = null;
      }
      keysOk = url != null;
    } else {
      file = path(f, "jwks_file", null);
      keysOk = file != null;
    }
    String roles = claimName(f, "roles_claim", "roles");
    String agent = claimName(f, "agent_claim", "client_id");
    Duration skew = duration(f, "clock_skew", Duration.ofSeconds(30));
    if (skew != null && skew.compareTo(Duration.ofMinutes(5)) > 0) {
      errors.add(f.path("clock_skew"), f.value("clock_skew"), "clock skew must be at most 5m");
      skew = null;
    }
    Duration maxAge = duration(f, "jwks_max_age", Duration.ofMinutes(10));
    Duration minRefresh = duration(f, "jwks_min_refresh", Duration.ofSeconds(30));
    if (issuer == null || !keysOk || roles == null || agent == null || skew == null || maxAge == null || minRefresh == null) {
      return null;
    }
    return new IdentityConfig.Jwt(issuer, url, file, roles, agent, skew, maxAge, minRefresh);
  }

  static boolean jwksUrlAllowed(String url) {
    URI uri = URI.create(url);
    String host = uri.getHost() == null ? "" : uri.getHost();
    return "https".equalsIgnoreCase(uri.getScheme())
        || host.equals("localhost") || host.equals("127.0.0.1") || host.equals("[::1]") || host.equals("::1");
  }

  private String claimName(Fields f, String key, String fallback) {
    if (!f.has(key)) {
      return fallback;
    }
    Text t = text(f.value(key), f.path(key), "a claim name");
    if (t == null) {
      return null;
    }
    if (!CLAIM_NAME.matcher(t.value()).matches()) {
      errors.add(f.path(key), f.value(key), "expected a claim name (1-64 letters, digits, _ : . -); got " + show(t));
      return null;
    }
    return t.value();
  }
}
