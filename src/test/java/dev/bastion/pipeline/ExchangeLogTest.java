package dev.bastion.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The exchange log creates its lists on first use; what stages and readers see is unchanged. */
class ExchangeLogTest {
  private static final Finding REQUEST = new Finding("secret", "aws_key", "request", "redact", "/arguments/a");
  private static final Finding RESPONSE = new Finding("pii", "email", "response", "log", "/content/0/text");

  @Test
  void anUntouchedLogReadsEmptyAndReadOnly() {
    ExchangeLog log = new ExchangeLog();
    assertThat(log.notes()).isEmpty();
    assertThat(log.shadowDecisions()).isEmpty();
    assertThat(log.findings()).isEmpty();
    assertThatThrownBy(() -> log.notes().add("x")).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> log.findings().add(REQUEST)).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void entriesAccumulateInOrderAndStayReadOnly() {
    ExchangeLog log = new ExchangeLog();
    log.findings(List.of());
    assertThat(log.findings()).isEmpty();
    log.note("one");
    log.note("two");
    log.shadow("shadow rule r1 would deny");
    log.findings(List.of(REQUEST));
    log.findings(List.of(RESPONSE, REQUEST));
    assertThat(log.notes()).containsExactly("one", "two");
    assertThat(log.shadowDecisions()).containsExactly("shadow rule r1 would deny");
    assertThat(log.findings()).containsExactly(REQUEST, RESPONSE, REQUEST);
    assertThatThrownBy(() -> log.shadowDecisions().clear()).isInstanceOf(UnsupportedOperationException.class);
  }
}
