package dev.bastion.audit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class ConservativeRedactorTest {
  private final ConservativeRedactor redactor = new ConservativeRedactor();

  private JsonNode redacted(String json) {
    return CanonicalJson.MAPPER.readTree(redactor.redact(CanonicalJson.MAPPER.readTree(json)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"password", "Password", "db_passwd", "client_secret", "access_token", "accessToken",
      "x-api-key", "X-Api-Key", "apiKey", "APIKEY", "api_key", "Authorization", "auth", "AUTH_HEADER", "credentials",
      "private_key", "privateKey", "cookie", "Set-Cookie", "session", "sessionId", "refresh-token", "XApiKey"})
  void keysThatNameSecretsAreSecretKeys(String key) {
    assertThat(ConservativeRedactor.isSecretKey(key)).as(key).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"tokenizer_model", "author", "authority", "authors", "possession", "keyboard", "key",
      "monkey", "passage", "secretary_name", "cookbook", "max_tokens_hint", "path", "query", "sessions_total_count", "input_tokens"})
  void benignKeysThatMerelyContainASecretWordAreNotSecretKeys(String key) {
    assertThat(ConservativeRedactor.isSecretKey(key)).as(key).isFalse();
  }

  @Test
  void valuesUnderSecretKeysAreReplacedWholeWhateverTheirType() {
    JsonNode out = redacted("{\"password\":\"hunter2\",\"auth\":{\"user\":\"u\",\"pw\":\"p\"},\"token\":[1,2],"
        + "\"tokenizer_model\":\"bpe\",\"author\":\"Ada\"}");
    assertThat(out.get("password").asString()).isEqualTo("[REDACTED:key-name]");
    assertThat(out.get("auth").asString()).isEqualTo("[REDACTED:key-name]");
    assertThat(out.get("token").asString()).isEqualTo("[REDACTED:key-name]");
    assertThat(out.get("tokenizer_model").asString()).isEqualTo("bpe");
    assertThat(out.get("author").asString()).isEqualTo("Ada");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "aws-access-key|key AKIAIOSFODNN7EXAMPLE here",
      "github-token|ghp_abcdefghijklmnopqrstuvwxyz0123456789",
      "github-token|github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
      "slack-token|xoxb-1234567890-abcdefghij",
      "stripe-key|sk_live_abcdefghijklmnop1234",
      "stripe-key|rk_live_abcdefghijklmnop1234",
      "openai-key|sk-proj-abcdefghijklmnopqrstuvwxyz0123",
      "anthropic-key|sk-ant-api03-abcdefghijklmnopqrstuvwxyz",
      "jwt|eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl",
      "bearer-token|Authorization: Bearer abcdef123456789",
      "private-key|-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----",
      "private-key|-----BEGIN RSA PRIVATE KEY-----\nMIIEvQIBADANBg (cut off"})
  void credentialShapedStringsAreRedactedByKind(String kindAndValue) {
    String kind = kindAndValue.substring(0, kindAndValue.indexOf('|'));
    String value = kindAndValue.substring(kindAndValue.indexOf('|') + 1);
    String out = ConservativeRedactor.redactValue(value);
    assertThat(out).contains("[REDACTED:" + kind + "]");
    String secretPart = value.replaceAll("^(key |Authorization: )", "").replace(" here", "");
    assertThat(out).doesNotContain(secretPart);
  }

  @ParameterizedTest
  @ValueSource(strings = {"task-manager-for-the-whole-organisation", "risk-assessment-framework-2026",
      "AKIA is an AWS prefix", "eyJhbGciOiJIUzI1NiJ9 alone", "bearer of bad news", "sk-short",
      "the tokenizer is bpe", "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----"})
  void benignStringsThatResembleCredentialsAreKept(String value) {
    assertThat(ConservativeRedactor.redactValue(value)).isEqualTo(value);
  }

  @Test
  void secretsInsideLongerTextAndNestedArraysAreRedactedInPlace() {
    JsonNode out = redacted("{\"cmd\":[\"curl\",\"-H\",\"Authorization: Bearer abcdefghijk12345\",\"https://x\"]}");
    assertThat(out.get("cmd").get(2).asString()).isEqualTo("Authorization: [REDACTED:bearer-token]");
    assertThat(out.get("cmd").get(3).asString()).isEqualTo("https://x");
  }

  @Test
  void objectKeysShapedLikeCredentialsAreRedactedToo() {
    JsonNode out = redacted("{\"AKIAIOSFODNN7EXAMPLE\":1}");
    assertThat(out.propertyNames()).containsExactly("[REDACTED:aws-access-key]");
  }

  @Test
  void longStringsAreTruncatedWithAMarker() {
    ConservativeRedactor small = new ConservativeRedactor(32, 10_000);
    String out = small.redact(Fixtures.F.objectNode().put("text", "x".repeat(100)));
    assertThat(out).contains("x".repeat(32) + "…[TRUNCATED:100 chars]").doesNotContain("x".repeat(33));
  }

  @Test
  void hugeArgumentsAreReplacedByABoundedMarkerThatIsStillJson() {
    ConservativeRedactor small = new ConservativeRedactor(64, 200);
    var args = Fixtures.F.objectNode();
    for (int i = 0; i < 100; i++) {
      args.put("k" + i, "value-" + i);
    }
    String out = small.redact(args);
    assertThat(out.length()).isLessThan(400);
    JsonNode parsed = CanonicalJson.MAPPER.readTree(out);
    assertThat(parsed.get("_truncated").get("chars").asInt()).isGreaterThan(200);
  }

  @Test
  void redactionRunsInLinearTimeOnHostileInput() {
    String hostile = "sk-" + "a".repeat(200_000) + "!" + "eyJ".repeat(50_000);
    long start = System.nanoTime();
    String out = ConservativeRedactor.redactValue(hostile);
    assertThat(out).startsWith("[REDACTED:openai-key]");
    assertThat(System.nanoTime() - start).isLessThan(5_000_000_000L);
  }
}
