package dev.bastion.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

class DemoServerSubprocessTest {

  @TempDir Path temp;

  @Test
  void theMainClassSpeaksMcpOverStdioAndLogsOnlyToStderr() throws Exception {
    String java = ProcessHandle.current().info().command().orElseThrow();
    Path root = temp.resolve("workspace");
    Path stderr = temp.resolve("stderr.log");
    Process process =
        new ProcessBuilder(
                java, "-cp", System.getProperty("java.class.path"), DemoServer.class.getName(), "--root", root.toString())
            .redirectError(stderr.toFile())
            .start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      OutputStream in = process.getOutputStream();
      String messages =
          """
          {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"subprocess-test","version":"1"}}}
          {"jsonrpc":"2.0","method":"notifications/initialized"}
          {"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"message":"over stdio"}}}
          """;
      in.write(messages.getBytes(StandardCharsets.UTF_8));
      in.flush();

      CompletableFuture<List<String>> lines =
          CompletableFuture.supplyAsync(() -> List.of(readLine(out), readLine(out)));
      List<JsonNode> responses =
          lines.get(30, TimeUnit.SECONDS).stream().map(TestClient.JSON::readTree).toList();
      in.close();

      JsonNode initialize = responses.stream().filter(r -> r.get("id").asInt() == 1).findFirst().orElseThrow();
      JsonNode echo = responses.stream().filter(r -> r.get("id").asInt() == 2).findFirst().orElseThrow();
      assertThat(initialize.get("result").get("serverInfo").get("name").asString()).isEqualTo("bastion-demo");
      assertThat(initialize.get("result").get("protocolVersion").asString()).isEqualTo("2025-11-25");
      assertThat(echo.get("result").get("content").get(0).get("text").asString()).isEqualTo("over stdio");

      assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("exits when stdin closes").isTrue();
      assertThat(process.exitValue()).isZero();
      assertThat(out.readLine()).as("nothing else on stdout").isNull();
      assertThat(Files.readString(stderr)).contains("serving");
      assertThat(root.resolve("notes/roadmap.md")).isRegularFile();
    } finally {
      process.destroyForcibly();
    }
  }

  @Test
  void withoutARootTheMainClassExitsWithUsageOnStderr() throws Exception {
    String java = ProcessHandle.current().info().command().orElseThrow();
    Process process =
        new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), DemoServer.class.getName()).start();
    try {
      process.getOutputStream().close();
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(process.exitValue()).isEqualTo(2);
      assertThat(new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8)).contains("--root");
      assertThat(process.getInputStream().readAllBytes()).isEmpty();
    } finally {
      process.destroyForcibly();
    }
  }

  private static String readLine(BufferedReader reader) {
    try {
      String line = reader.readLine();
      if (line == null) {
        throw new AssertionError("the demo server closed stdout early");
      }
      return line;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
