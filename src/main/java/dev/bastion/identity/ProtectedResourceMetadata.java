package dev.bastion.identity;

import java.net.URI;
import java.util.List;
import java.util.Objects;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * OAuth 2.0 Protected Resource Metadata (RFC 9728) for Bastion's MCP endpoint, as the MCP
 * authorization spec asks: the document, where it is served, and the {@code WWW-Authenticate}
 * challenge that points clients to it.
 *
 * @param resource Bastion's resource URI (tokens must carry it as their audience)
 * @param authorizationServers issuer URLs of the authorization servers that mint tokens for it
 * @param scopesSupported scopes clients may request (may be empty)
 */
public record ProtectedResourceMetadata(String resource, List<String> authorizationServers, List<String> scopesSupported) {

  public static final String WELL_KNOWN_PREFIX = "/.well-known/oauth-protected-resource";

  public ProtectedResourceMetadata {
    Objects.requireNonNull(resource, "resource");
    authorizationServers = List.copyOf(authorizationServers);
    scopesSupported = List.copyOf(scopesSupported);
    URI uri = URI.create(resource);
    if (uri.getScheme() == null || uri.getHost() == null || uri.getFragment() != null) {
      throw new IllegalArgumentException("the resource must be an absolute URI without a fragment, got " + resource);
    }
  }

  /** The metadata for a configuration: its resource URI and {@code identity.authorization_servers}. */
  public static ProtectedResourceMetadata fromConfig(dev.bastion.config.BastionConfig config) {
    return new ProtectedResourceMetadata(config.resourceUri(), config.identity().authorizationServers(), List.of());
  }

  /** The metadata document (JSON). */
  public ObjectNode document() {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode doc = f.objectNode();
    doc.put("resource", resource);
    ArrayNode servers = doc.putArray("authorization_servers");
    authorizationServers.forEach(servers::add);
    ArrayNode methods = doc.putArray("bearer_methods_supported");
    methods.add("header");
    if (!scopesSupported.isEmpty()) {
      ArrayNode scopes = doc.putArray("scopes_supported");
      scopesSupported.forEach(scopes::add);
    }
    return doc;
  }

  /**
   * The path the document is served at, per RFC 9728 §3.1: the well-known prefix followed by the
   * resource's path, e.g. {@code /.well-known/oauth-protected-resource/mcp} for
   * {@code https://gw.example/mcp}. Serve it also at the bare prefix, which MCP clients try too.
   */
  public String metadataPath() {
    String path = URI.create(resource).getRawPath();
    return path == null || path.isEmpty() || path.equals("/") ? WELL_KNOWN_PREFIX : WELL_KNOWN_PREFIX + path;
  }

  /** The absolute URL of the document. */
  public String metadataUrl() {
    URI uri = URI.create(resource);
    String authority = uri.getRawAuthority();
    return uri.getScheme() + "://" + authority + metadataPath();
  }

  /** The {@code WWW-Authenticate} value for a 401: {@code Bearer resource_metadata="<url>"}, plus {@code error="invalid_token"} for a rejected token. */
  public String challenge(AuthResult.Rejection rejection) {
    return switch (rejection) {
      case MISSING_CREDENTIAL -> "Bearer resource_metadata=\"" + metadataUrl() + "\"";
      case INVALID_CREDENTIAL -> "Bearer error=\"invalid_token\", resource_metadata=\"" + metadataUrl() + "\"";
    };
  }
}
