package dev.bastion.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ProtectedResourceMetadataTest {

  private final ProtectedResourceMetadata metadata =
      new ProtectedResourceMetadata("https://gw.example.test/mcp", List.of("https://idp.example.test"), List.of("mcp:tools"));

  @Test
  void theDocumentNamesTheResourceItsAuthorizationServersAndHeaderBearerTokens() {
    assertThat(metadata.document().toString()).isEqualTo(
        "{\"resource\":\"https://gw.example.test/mcp\",\"authorization_servers\":[\"https://idp.example.test\"],"
            + "\"bearer_methods_supported\":[\"header\"],\"scopes_supported\":[\"mcp:tools\"]}");
  }

  @Test
  void theDocumentIsServedAtTheWellKnownPathFollowedByTheResourcePath() {
    assertThat(metadata.metadataPath()).isEqualTo("/.well-known/oauth-protected-resource/mcp");
    assertThat(metadata.metadataUrl()).isEqualTo("https://gw.example.test/.well-known/oauth-protected-resource/mcp");
    assertThat(new ProtectedResourceMetadata("http://127.0.0.1:8080", List.of(), List.of()).metadataUrl())
        .isEqualTo("http://127.0.0.1:8080/.well-known/oauth-protected-resource");
  }

  @Test
  void theChallengePointsToTheMetadataAndFlagsInvalidTokens() {
    assertThat(metadata.challenge(AuthResult.Rejection.MISSING_CREDENTIAL))
        .isEqualTo("Bearer resource_metadata=\"https://gw.example.test/.well-known/oauth-protected-resource/mcp\"");
    assertThat(metadata.challenge(AuthResult.Rejection.INVALID_CREDENTIAL))
        .isEqualTo("Bearer error=\"invalid_token\", resource_metadata=\"https://gw.example.test/.well-known/oauth-protected-resource/mcp\"");
  }
}
