package dev.bastion.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The cloned-prototype SHA-256 is the digest a fresh {@code MessageDigest.getInstance} computes. */
class ApiKeyDigestTest {

  private static byte[] reference(byte[] input) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(input);
  }

  @Test
  void equalsAFreshDigestForManyInputs() throws Exception {
    Random random = new Random(42);
    for (int i = 0; i < 2_000; i++) {
      byte[] input = new byte[random.nextInt(300)];
      random.nextBytes(input);
      assertThat(ApiKeyAuthenticator.sha256(input)).isEqualTo(reference(input));
    }
    assertThat(ApiKeyAuthenticator.sha256(new byte[0])).isEqualTo(reference(new byte[0]));
  }

  @Test
  void concurrentUseDoesNotMixStates() throws Exception {
    List<Callable<Boolean>> tasks = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      int seed = t;
      tasks.add(() -> {
        Random random = new Random(seed);
        for (int i = 0; i < 2_000; i++) {
          byte[] input = new byte[1 + random.nextInt(64)];
          random.nextBytes(input);
          if (!MessageDigest.isEqual(ApiKeyAuthenticator.sha256(input), reference(input))) {
            return false;
          }
        }
        return true;
      });
    }
    try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
      for (Future<Boolean> f : pool.invokeAll(tasks)) {
        assertThat(f.get()).isTrue();
      }
    }
  }
}
