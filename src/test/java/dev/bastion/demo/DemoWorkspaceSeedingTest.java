package dev.bastion.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoWorkspaceSeedingTest {

  @TempDir Path temp;

  @Test
  void aMissingRootIsCreatedAndFilledWithEveryBundledFile() throws Exception {
    Path root = temp.resolve("new/workspace");

    DemoServer server = new DemoServer(root);

    assertThat(server.root()).isEqualTo(root.toRealPath());
    assertThat(Fixtures.files())
        .contains("notes/meeting-2026-11-02.md", "notes/roadmap.md", "docs/handbook.md", "secrets/.env");
    for (String file : Fixtures.files()) {
      assertThat(root.resolve(file)).isRegularFile();
      assertThat(Files.size(root.resolve(file))).as(file).isPositive();
    }
    assertThat(root.resolve("outbox")).isDirectory();
  }

  @Test
  void theFakeSecretsFileSaysItIsFakeAndHoldsKeyShapedValues() throws Exception {
    new DemoServer(temp.resolve("ws"));

    String env = Files.readString(temp.resolve("ws/secrets/.env"));
    assertThat(env).contains("FAKE").contains("AWS_ACCESS_KEY_ID=AKIA").contains("OPENAI_API_KEY=sk-");
  }

  @Test
  void anExistingRootIsUsedAsItIsAndNeverOverwritten() throws Exception {
    Path root = Files.createDirectories(temp.resolve("mine"));
    Files.writeString(root.resolve("own.txt"), "my file");

    new DemoServer(root);

    assertThat(root.resolve("own.txt")).hasContent("my file");
    assertThat(root.resolve("notes")).doesNotExist();
  }

  @Test
  void aRootThatIsAFileIsRefusedWithAClearMessage() throws Exception {
    Path file = Files.writeString(temp.resolve("file.txt"), "x");

    assertThatThrownBy(() -> new DemoServer(file)).isInstanceOf(IOException.class).hasMessageContaining("not a folder");
  }

  @Test
  void everyIndexedWebFixtureIsServed() throws Exception {
    DemoServer server = new DemoServer(temp.resolve("ws"));

    assertThat(server.fixtureUrls())
        .containsExactlyInAnyOrder(
            "https://example.com/",
            "https://news.example.org/article-1",
            "https://blog.example.org/release-notes",
            "https://attacker.example.net/page-with-hidden-instructions");
  }
}
