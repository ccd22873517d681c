package dev.bastion.identity;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Serves the OAuth 2.0 protected-resource metadata (RFC 9728) on the agent listener, unauthenticated:
 * at {@code /.well-known/oauth-protected-resource} and at the path-suffixed form for the MCP path
 * (e.g. {@code /.well-known/oauth-protected-resource/mcp}). Follows reloads through the supplier.
 */
public final class MetadataEndpoint {
  private final Supplier<ProtectedResourceMetadata> metadata;

  public MetadataEndpoint(Supplier<ProtectedResourceMetadata> metadata) {
    this.metadata = Objects.requireNonNull(metadata, "metadata");
  }

  /** Registers both well-known paths ({@code mcpPath} is the MCP endpoint's path, e.g. {@code /mcp}). */
  public void register(HttpRules rules, String mcpPath) {
    rules.get(ProtectedResourceMetadata.WELL_KNOWN_PREFIX, this::serve);
    rules.get(ProtectedResourceMetadata.WELL_KNOWN_PREFIX + mcpPath, this::serve);
  }

  private void serve(ServerRequest req, ServerResponse res) {
    res.status(200);
    res.header(HeaderNames.CONTENT_TYPE, "application/json");
    res.header(HeaderNames.CACHE_CONTROL, "max-age=300");
    res.send(metadata.get().document().toString().getBytes(StandardCharsets.UTF_8));
  }
}
