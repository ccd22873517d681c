package dev.bastion.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bastion.config.UpstreamConfig;
import dev.bastion.jsonrpc.JsonRpcCodec;
import dev.bastion.jsonrpc.JsonRpcLimits;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UpstreamsTest {
  private static final UpstreamContext CTX =
      new UpstreamContext(new JsonRpcCodec(JsonRpcLimits.DEFAULT), Duration.ofSeconds(5), 1 << 20, (s, m, p) -> {});

  @Test
  void theDemoBuiltinRunsTheDemoServerOnThisJvmsJavaAndClasspath() {
    UpstreamConfig.Stdio stdio =
        Upstreams.builtinCommand(new UpstreamConfig.Builtin("demo", "demo", Path.of("/srv/demo-root"), Duration.ofSeconds(3)));

    List<String> cmd = stdio.command();
    assertThat(cmd.get(0)).isEqualTo(ProcessHandle.current().info().command().orElseThrow());
    assertThat(cmd).containsSubsequence("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
    assertThat(cmd.subList(cmd.indexOf("-cp"), cmd.size()))
        .containsExactly("-cp", System.getProperty("java.class.path"), "dev.bastion.demo.DemoServer", "--root", "/srv/demo-root");
    assertThat(stdio.env()).isEmpty();
    assertThat(stdio.timeout()).isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void aBuiltinChildGetsItsOwnAppCdsArchiveOnlyWhenTheGatewayRunsWithOne() {
    assertThat(Upstreams.builtinJvmOptions(List.of("-Xmx384m", "-XX:SharedArchiveFile=/opt/b/target/bastion.jsa")))
        .contains("-XX:+AutoCreateSharedArchive", "-XX:SharedArchiveFile=/opt/b/target/bastion-builtin.jsa")
        .doesNotContain("-XX:SharedArchiveFile=/opt/b/target/bastion.jsa");
    assertThat(Upstreams.builtinJvmOptions(List.of("-Xmx384m")))
        .containsExactly("-XX:+UseSerialGC", "-Xmx128m", "-XX:TieredStopAtLevel=1");
  }

  @Test
  void aBuiltinChildMapsItsOwnAotCacheOnlyWhenTheGatewayHasOneAndTheChildsCacheExists() {
    List<String> parent = List.of("-Xmx384m", "-XX:AOTCache=/opt/b/target/bastion.aot");
    assertThat(Upstreams.builtinJvmOptions(parent, p -> p.equals(Path.of("/opt/b/target/bastion-builtin.aot"))))
        .containsExactly(
            "-XX:+UseSerialGC", "-Xmx128m", "-XX:TieredStopAtLevel=1",
            "-XX:AOTCache=/opt/b/target/bastion-builtin.aot", "-Xlog:aot=off", "-Xlog:cds=off");
    assertThat(Upstreams.builtinJvmOptions(parent, p -> false))
        .containsExactly("-XX:+UseSerialGC", "-Xmx128m", "-XX:TieredStopAtLevel=1");
  }

  @Test
  void anUnknownBuiltinIsRejectedByName() {
    assertThatThrownBy(() -> Upstreams.create(new UpstreamConfig.Builtin("x", "nope", null, null), CTX))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"nope\"")
        .hasMessageContaining("demo");
  }

  @Test
  void eachTransportGetsItsClient() {
    try (Upstream stdio = Upstreams.create(new UpstreamConfig.Stdio("a", List.of("true"), Map.of(), null, null), CTX);
        Upstream http = Upstreams.create(new UpstreamConfig.Http("b", URI.create("http://127.0.0.1:9/mcp"), Map.of(), null), CTX)) {
      assertThat(stdio).isInstanceOf(StdioUpstream.class);
      assertThat(http).isInstanceOf(HttpUpstream.class);
      assertThat(stdio.health()).isEqualTo(Upstream.Health.STARTING);
    }
  }
}
