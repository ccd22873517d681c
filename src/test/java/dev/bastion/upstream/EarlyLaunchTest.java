package dev.bastion.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bastion.config.UpstreamConfig;
import dev.bastion.jsonrpc.JsonRpcCodec;
import dev.bastion.jsonrpc.JsonRpcLimits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EarlyLaunchTest {
  private static final UpstreamContext CTX =
      new UpstreamContext(new JsonRpcCodec(JsonRpcLimits.DEFAULT), Duration.ofSeconds(30), 1 << 20, (s, m, p) -> {});

  @TempDir Path dir;

  private UpstreamConfig.Builtin demo(String root) {
    return new UpstreamConfig.Builtin("demo", "demo", dir.resolve(root), null);
  }

  private static void assertExits(long pid) throws Exception {
    ProcessHandle handle = ProcessHandle.of(pid).orElse(null);
    if (handle != null) {
      handle.onExit().get(60, TimeUnit.SECONDS);
    }
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).isNotEqualTo(java.util.Optional.of(true));
  }

  @Test
  void onlyBuiltinServersAreLaunchedEarly() {
    try (EarlyLaunch early =
        EarlyLaunch.builtins(List.of(demo("sandbox"), new UpstreamConfig.Stdio("other", List.of("true"), Map.of(), null, null)))) {
      assertThat(early.waiting()).isEqualTo(1);
      assertThat(early.pid("demo")).isPresent();
      assertThat(early.pid("other")).isEmpty();
    }
  }

  @Test
  void withoutAnEarlyLaunchABuiltinLaunchesItsChildOnStart() {
    try (Upstream u = Upstreams.create(demo("sandbox"), CTX)) {
      assertThat(((StdioUpstream) u).pid()).isEmpty();
      assertThat(EarlyLaunch.NONE.waiting()).isZero();
    }
  }

  @Test
  void aBuiltinsFirstStartTalksToTheChildLaunchedEarly() throws Exception {
    try (EarlyLaunch early = EarlyLaunch.builtins(List.of(demo("sandbox")))) {
      long pid = early.pid("demo").orElseThrow();
      try (Upstream u = Upstreams.create(demo("sandbox"), CTX, early)) {
        assertThat(early.waiting()).isZero();
        u.start();
        assertThat(u.health()).isEqualTo(Upstream.Health.READY);
        assertThat(((StdioUpstream) u).pid()).hasValue(pid);
        assertThat(u.description().protocolVersion()).isNotBlank();
      }
      assertExits(pid);
    }
  }

  @Test
  void aChildLaunchedWithAnotherCommandIsStoppedAndTheUpstreamLaunchesItsOwn() throws Exception {
    try (EarlyLaunch early = EarlyLaunch.builtins(List.of(demo("one")))) {
      long pid = early.pid("demo").orElseThrow();
      try (Upstream u = Upstreams.create(demo("two"), CTX, early)) {
        assertThat(early.waiting()).isZero();
        assertExits(pid);
        u.start();
        assertThat(u.health()).isEqualTo(Upstream.Health.READY);
        assertThat(((StdioUpstream) u).pid().orElseThrow()).isNotEqualTo(pid);
      }
    }
  }

  @Test
  void childrenNeverTakenOrNeverStartedAreStopped() throws Exception {
    long untaken;
    try (EarlyLaunch early = EarlyLaunch.builtins(List.of(demo("sandbox")))) {
      untaken = early.pid("demo").orElseThrow();
    }
    assertExits(untaken);

    try (EarlyLaunch early = EarlyLaunch.builtins(List.of(demo("sandbox")))) {
      long pid = early.pid("demo").orElseThrow();
      Upstream u = Upstreams.create(demo("sandbox"), CTX, early);
      u.close(); // the gateway failed before this upstream's first start
      assertExits(pid);
      assertThat(u.health()).isEqualTo(Upstream.Health.CLOSED);
    }
  }
}
