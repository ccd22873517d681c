package dev.bastion.demo;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code fetch_url} without a network: pages come from {@code demo/web/}, looked up by URL in
 * {@code demo/web/index.json}. One page hides a prompt injection for the attack demos; another has
 * harmless HTML comments as its benign twin.
 */
final class WebFixtures {

  private final Map<String, String> pages; // normalised URL -> HTML

  WebFixtures(JsonMapper mapper) {
    JsonNode index = mapper.readTree(Fixtures.readResource("demo/web/index.json"));
    Map<String, String> byUrl = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> entry : index.properties()) {
      String url =
          normalise(entry.getKey())
              .orElseThrow(() -> new IllegalStateException("bad URL in demo/web/index.json: " + entry.getKey()));
      byUrl.put(url, Fixtures.readResource("demo/web/" + entry.getValue().asString()));
    }
    this.pages = Map.copyOf(byUrl);
  }

  /** The URLs the demo web knows, in index order. */
  List<String> urls() {
    return pages.keySet().stream().sorted().toList();
  }

  ToolOutcome fetch(ObjectNode args, ToolContext context) {
    String url = args.get("url").asString();
    Optional<String> key = normalise(url);
    if (key.isEmpty()) {
      return ToolOutcome.failed(
          "\"" + url + "\" is not an absolute http(s) URL; expected something like \"https://example.com/\"");
    }
    String html = pages.get(key.get());
    if (html == null) {
      return ToolOutcome.failed(
          key.get() + " was not found in the demo web fixtures (the demo server has no network access); known pages: "
              + String.join(", ", urls()));
    }
    return ToolOutcome.done(html);
  }

  /** Lower-cases scheme and host, drops default ports and the fragment, and turns an empty path into "/". */
  static Optional<String> normalise(String raw) {
    URI uri;
    try {
      uri = new URI(raw.strip());
    } catch (URISyntaxException e) {
      return Optional.empty();
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null || uri.getRawUserInfo() != null) {
      return Optional.empty();
    }
    int port = uri.getPort();
    boolean defaultPort = port == -1 || (scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443);
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    StringBuilder out = new StringBuilder(scheme).append("://").append(uri.getHost().toLowerCase(Locale.ROOT));
    if (!defaultPort) {
      out.append(':').append(port);
    }
    out.append(path);
    if (uri.getRawQuery() != null) {
      out.append('?').append(uri.getRawQuery());
    }
    return Optional.of(out.toString());
  }
}
