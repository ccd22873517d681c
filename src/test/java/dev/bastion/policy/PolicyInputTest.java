package dev.bastion.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bastion.pipeline.Finding;
import java.util.List;
import org.junit.jupiter.api.Test;

/** request.findings is the request direction's findings, in the order the firewall logged them. */
class PolicyInputTest {
  @Test
  void requestSideKeepsRequestFindingsInOrder() {
    Finding a = new Finding("secret", "aws_key", "request", "redact", "/arguments/a");
    Finding b = new Finding("pii", "email", "response", "log", "/content/0/text");
    Finding c = new Finding("argument", "schema_violation", "request", "block", "/arguments");
    List<Finding> all = List.of(a, b, c, b);
    assertThat(PolicyInput.requestSide(all)).containsExactly(a, c)
        .isEqualTo(all.stream().filter(f -> f.direction().equals("request")).toList());
    assertThat(PolicyInput.requestSide(List.of(b))).isEmpty();
    assertThat(PolicyInput.requestSide(List.of())).isEmpty();
  }
}
