package dev.bastion.integrity;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NamesTest {

  @Test
  void confusableNamesAreCaught() {
    assertThat(Names.lookalike("github", "g\u0456thub", false)).isPresent(); // Cyrillic і
    assertThat(Names.lookalike("modem", "rnodem", false)).isPresent(); // rn looks like m
    assertThat(Names.lookalike("github", "git-hub", false)).isPresent();
    assertThat(Names.lookalike("send_email", "send_emaіl", false)).isPresent();
    assertThat(Names.lookalike("slack", "s1ack", false)).isPresent();
  }

  @Test
  void nearDuplicatesAreCaughtWhenAsked() {
    assertThat(Names.lookalike("github", "githhub", true)).isPresent();
    assertThat(Names.lookalike("github", "gtihub", true)).isPresent(); // transposition
    assertThat(Names.lookalike("filesystem", "filesytsem", true)).isPresent();
    assertThat(Names.lookalike("github", "githhub", false)).isEmpty();
  }

  @Test
  void distinctNamesPass() {
    assertThat(Names.lookalike("github", "gitlab", true)).isEmpty();
    assertThat(Names.lookalike("github", "github", true)).isEmpty(); // identical names are namespaced, not confusable
    assertThat(Names.lookalike("fs", "db", true)).isEmpty();
    assertThat(Names.lookalike("pg1", "pg2", true)).isEmpty();
    assertThat(Names.lookalike("postgres-1", "postgres-2", true)).isEmpty();
    assertThat(Names.lookalike("mail", "maps", true)).isEmpty();
  }
}
