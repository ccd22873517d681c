package dev.bastion.inspect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bastion.config.FirewallConfig;
import dev.bastion.pipeline.Finding;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A URL-mode elicitation's URL, checked before the agent's user is sent there: https only, no
 * credentials, no internal host or private address (also when a public-looking name resolves to
 * one), and on {@code firewall.elicitation_url_hosts} when that is set, a look-alike reported as
 * such; a secret in the URL is found by the content detectors. Each attack has a benign twin.
 * Names resolve through a fixed table, never the network.
 */
class UrlElicitationInspectionTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Map<String, String> DNS = Map.of(
      "login.example.com", "93.184.216.34",
      "rebind.example.net", "10.0.0.5",
      "docs.example.org", "93.184.216.35");
  private static final UrlCheck.Resolver RESOLVER = host -> {
    String a = DNS.get(host);
    if (a == null) {
      throw new UnknownHostException(host);
    }
    return List.of(InetAddress.getByName(a));
  };

  private static FirewallConfig allowing(String... hosts) {
    FirewallConfig d = FirewallConfig.DEFAULT;
    return new FirewallConfig(true, d.actions(), d.linkHosts(), d.validateSchema(), d.maxResultChars(), d.maxLineChars(), d.onOversize(),
        d.tools(), List.of(hosts));
  }

  private static JsonNode url(String url, String message) {
    return JSON.createObjectNode().put("mode", "url").put("message", message).put("url", url).put("elicitationId", "e-1");
  }

  private static ServerRequestInspector.Verdict inspect(FirewallConfig config, String url) {
    return new ServerRequestInspector(config, RESOLVER).inspect("elicitation/create", url(url, "Please sign in to continue."), "/params");
  }

  @ParameterizedTest(name = "[{index}] {0} -> {1}")
  @CsvSource(delimiter = '|', textBlock = """
      https://169.254.169.254/latest/meta-data/               | ssrf_private_address
      https://127.0.0.1:8443/admin                            | ssrf_private_address
      https://2130706433/                                     | ssrf_private_address
      https://[::ffff:127.0.0.1]/                             | ssrf_private_address
      https://metadata.google.internal/computeMetadata/v1/    | ssrf_internal_host
      https://localhost/approve                               | ssrf_internal_host
      https://rebind.example.net/login                        | ssrf_private_address
      https://nowhere.invalid/login                           | ssrf_unresolvable
      http://login.example.com/authorize                      | url_not_https
      javascript:alert(1)                                     | url_not_https
      https://user:pw@login.example.com/                      | url_credentials
      not a url at all                                        | url_invalid
      """)
  void withoutAnAllowlistInternalPlainAndOpaqueUrlsAreRefused(String url, String detector) {
    ServerRequestInspector.Verdict v = inspect(FirewallConfig.DEFAULT, url);
    assertThat(v.blocked()).isTrue();
    assertThat(v.findings()).extracting(Finding::detector).contains(detector);
    assertThat(v.findings()).filteredOn(f -> f.category().equals(ServerRequestInspector.URL_CATEGORY))
        .singleElement().satisfies(f -> assertThat(f.location()).isEqualTo("/params/url"));
  }

  @Test
  void withoutAnAllowlistAPublicHttpsPagePasses() {
    assertThat(inspect(FirewallConfig.DEFAULT, "https://login.example.com/authorize?state=xyz").findings()).isEmpty();
    assertThat(inspect(FirewallConfig.DEFAULT, "https://docs.example.org/").findings()).isEmpty();
  }

  @Test
  void withAnAllowlistOnlyListedHostsPassAndALookAlikeIsNamed() {
    FirewallConfig config = allowing("login.example.com");
    assertThat(inspect(config, "https://login.example.com/authorize").findings()).isEmpty();
    assertThat(inspect(config, "https://docs.example.org/").findings()).extracting(Finding::detector).containsExactly("host_not_allowed");
    // Cyrillic a in "example" (the content detectors also see the mixed script)
    assertThat(inspect(config, "https://login.ex\u0430mple.com/authorize").findings()).extracting(Finding::detector)
        .contains("confusable_host").doesNotContain("host_not_allowed");
    // the allowlist does not let an IP literal or the metadata address through
    assertThat(inspect(config, "https://169.254.169.254/").blocked()).isTrue();
  }

  @Test
  void aSecretCarriedInTheUrlIsFoundAndBlocks() {
    ServerRequestInspector.Verdict v = inspect(allowing("login.example.com"), "https://login.example.com/cb?token=ghp_abcdefghijklmnopqrstuvwxyz0123456789AB");
    assertThat(v.blocked()).isTrue();
    assertThat(v.findings()).extracting(Finding::category).contains("secret");
  }

  @Test
  void urlModeIsWhereCredentialsBelongSoItsMessageIsNoCredentialRequestButFormModeStillIs() {
    String message = "Sign in with your password on the provider's page.";
    ServerRequestInspector inspector = new ServerRequestInspector(allowing("login.example.com"), RESOLVER);
    assertThat(inspector.inspect("elicitation/create", url("https://login.example.com/", message), "/params").findings()).isEmpty();
    JsonNode form = JSON.createObjectNode().put("message", message)
        .set("requestedSchema", JSON.readTree("{\"type\":\"object\",\"properties\":{\"value\":{\"type\":\"string\"}}}"));
    assertThat(inspector.inspect("elicitation/create", form, "/params").findings()).extracting(Finding::detector).contains("elicit_password");
  }

  @Test
  void aDisabledFirewallChecksNothing() {
    FirewallConfig d = FirewallConfig.DEFAULT;
    FirewallConfig off = new FirewallConfig(false, d.actions(), d.linkHosts(), d.validateSchema(), d.maxResultChars(), d.maxLineChars(),
        d.onOversize(), d.tools(), List.of());
    assertThat(inspect(off, "https://169.254.169.254/").blocked()).isFalse();
  }
}
