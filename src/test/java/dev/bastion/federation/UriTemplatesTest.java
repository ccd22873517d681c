package dev.bastion.federation;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class UriTemplatesTest {
  @Test
  void aSimpleVariableMatchesOneSegment() {
    assertThat(UriTemplates.matches("test://static/resource/{id}", "test://static/resource/7")).isTrue();
    assertThat(UriTemplates.matches("test://static/resource/{id}", "test://static/resource/7/x")).isFalse();
    assertThat(UriTemplates.matches("test://static/resource/{id}", "test://static/resource/")).isFalse();
  }

  @Test
  void aReservedExpansionMaySpanSlashes() {
    assertThat(UriTemplates.matches("file:///{+path}", "file:///notes/a.md")).isTrue();
    assertThat(UriTemplates.matches("file:///{path}", "file:///notes/a.md")).isFalse();
  }

  @Test
  void literalRegexCharactersInTemplatesAreLiteral() {
    assertThat(UriTemplates.matches("a.b://{x}", "a.b://1")).isTrue();
    assertThat(UriTemplates.matches("a.b://{x}", "aXb://1")).isFalse();
  }

  @Test
  void hostileLongInputsAreRejectedQuickly() {
    String uri = "x://" + "a".repeat(5000);
    assertThat(UriTemplates.matches("x://{a}{b}{c}{d}{e}", uri)).isFalse();
    assertThat(UriTemplates.matches("x://{a}{b}{c}{d}!", "x://" + "a".repeat(4000))).isFalse();
  }
}
