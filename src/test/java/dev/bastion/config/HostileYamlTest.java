package dev.bastion.config;

import static dev.bastion.config.ConfigTesting.invalid;
import static dev.bastion.config.ConfigTesting.onlyError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostileYamlTest {

  @Test
  void aFileLargerThanOneMebibyteIsRefusedBeforeParsing(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("big.yaml");
    Files.writeString(file, "listen: 127.0.0.1:1\n# " + "x".repeat(ConfigLoader.MAX_FILE_BYTES) + "\n");
    ConfigError e = invalid(ConfigLoader.load(file)).getFirst();
    assertThat(e.message()).contains("larger than 1048576 bytes");
  }

  @Test
  void parsingTextLargerThanTheLimitIsRefusedEvenWhenItIsMultibyte() {
    String text = "# " + "é".repeat(ConfigLoader.MAX_FILE_BYTES / 2) + "\n";
    assertThat(onlyError(text).message()).contains("larger than");
  }

  @Test
  void anAliasBombIsRejectedWithoutExpandingIt() {
    StringBuilder sb = new StringBuilder("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for (int i = 1; i < 10; i++) {
      sb.append("a").append(i).append(": &a").append(i).append(" [");
      for (int j = 0; j < 10; j++) {
        sb.append(j == 0 ? "" : ", ").append("*a").append(i - 1);
      }
      sb.append("]\n");
    }
    List<ConfigError> errors = invalid(sb.toString());
    assertThat(errors.getFirst().message()).contains("anchor &a0 is not allowed").contains("anchors and aliases are rejected");
    assertThat(errors.getFirst().line()).isEqualTo(1);
    assertThat(errors).hasSizeLessThanOrEqualTo(Errors.MAX_ERRORS + 1);
  }

  @Test
  void aSingleAliasIsRejectedAtItsPosition() {
    List<ConfigError> errors = invalid("listen: &l 127.0.0.1:1\nadmin: *l\n");
    assertThat(errors).extracting(ConfigError::line).containsExactly(1, 2);
    assertThat(errors.get(1).message()).contains("alias *l is not allowed");
  }

  @Test
  void aRecursiveAliasIsRejected() {
    assertThat(invalid("a: &x [*x]\n")).isNotEmpty();
  }

  @Test
  void deepFlowNestingIsRejected() {
    String deep = "policy: " + "[".repeat(100_000) + "]".repeat(100_000) + "\n";
    ConfigError e = onlyError(deep);
    assertThat(e.message()).contains("deeper than 32 levels");
    assertThat(e.line()).isEqualTo(1);
  }

  @Test
  void deepBlockNestingIsRejected() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 200; i++) {
      sb.append(" ".repeat(i)).append("k").append(i).append(":\n");
    }
    assertThat(onlyError(sb.toString()).message()).contains("deeper than 32 levels");
  }

  @Test
  void unbalancedDeepNestingDoesNotEscapeAsAnException() {
    String text = "{a: ".repeat(200_000);
    assertThatCode(() -> ConfigLoader.parse(text, ConfigTesting.BASE, n -> null)).doesNotThrowAnyException();
    assertThat(invalid(text)).isNotEmpty();
  }

  @Test
  void aNulCharacterIsRejectedWithItsPosition() {
    ConfigError e = onlyError("listen: 127.0.0.1:1\nadmin: 12\u00007\n");
    assertThat(e.message()).contains("U+0000");
    assertThat(e.line()).isEqualTo(2);
    assertThat(e.column()).isEqualTo(10);
  }

  @Test
  void binaryAndSetTagsAreRejected() {
    List<ConfigError> errors = invalid("listen: !!binary aGVsbG8=\nsecurity:\n  allowed_hosts: !!set { a, b }\n");
    assertThat(errors).extracting(ConfigError::path).containsExactly("listen", "security.allowed_hosts");
  }

  @Test
  void complexKeysAreRejected() {
    ConfigError e = onlyError("? [a, b]\n: 1\n");
    assertThat(e.message()).contains("keys must be plain text");
  }

  @Test
  void aHugeKeyIsShortenedInThePathAndMessage() {
    String key = "k".repeat(10_000);
    ConfigError e = onlyError(key + ": 1\n");
    assertThat(e.path().length()).isLessThan(100);
    assertThat(e.message().length()).isLessThan(400);
  }
}
