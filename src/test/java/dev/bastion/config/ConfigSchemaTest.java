package dev.bastion.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The published JSON Schema and the loader agree on the examples and on typical mistakes. */
class ConfigSchemaTest {
  static final Path SCHEMA = Path.of("docs/config.schema.json");
  static final JsonMapper JSON = JsonMapper.builder().build();
  static Schema schema;

  @BeforeAll
  static void loadSchema() throws Exception {
    try (InputStream in = Files.newInputStream(SCHEMA)) {
      schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(in);
    }
  }

  static JsonNode yamlToJson(String yaml) {
    Object tree = new Load(LoadSettings.builder().setAllowDuplicateKeys(false).setMaxAliasesForCollections(0).build()).loadFromString(yaml);
    return JSON.valueToTree(tree);
  }

  static Stream<Path> examples() throws Exception {
    try (Stream<Path> files = Files.list(Path.of("examples"))) {
      return files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList().stream();
    }
  }

  @Test
  void thereAreExamplesToCheck() throws Exception {
    assertThat(examples().map(p -> p.getFileName().toString())).contains("bastion.yaml", "npm-servers.yaml");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("examples")
  void everyExampleMatchesTheSchemaAndLoads(Path example) throws Exception {
    List<com.networknt.schema.Error> schemaErrors = schema.validate(yamlToJson(Files.readString(example)));
    assertThat(schemaErrors).as("schema errors in %s", example).isEmpty();
    BastionConfig config = ConfigTesting.ok(ConfigLoader.load(example, name -> null));
    assertThat(config.dataDir()).isEqualTo(example.toAbsolutePath().getParent().resolve("data").normalize());
  }

  @Test
  void theDemoExampleHasTheDemoUpstreamAndAnAgentWhoseKeyIsTheDocumentedOne() throws Exception {
    BastionConfig c = ConfigTesting.ok(ConfigLoader.load(Path.of("examples/bastion.yaml"), name -> null));
    assertThat(c.upstreams().get("demo")).isInstanceOf(UpstreamConfig.Builtin.class);
    byte[] expected = java.security.MessageDigest.getInstance("SHA-256").digest("demo-key-change-me".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertThat(c.agents().values()).singleElement().satisfies(a -> {
      assertThat(a.keyDigests()).singleElement().isEqualTo(expected);
      assertThat(a.roles()).contains("reader");
    });
    assertThat(c.policy().rules()).anySatisfy(r -> {
      assertThat(r.effect()).isEqualTo(PolicyConfig.Effect.ALLOW);
      assertThat(r.when()).contains("\"reader\"");
    });
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {
    "listen: 127.0.0.1:1\nlistn: x\n",
    "upstreams:\n  a: { command: [x], url: 'http://h/mcp' }\n",
    "upstreams:\n  a: { url: 'http://h/mcp', env: { A: b } }\n",
    "upstreams:\n  Bad: { builtin: demo }\n",
    "upstreams:\n  a: { builtin: shell }\n",
    "limits: { call_timeout: 30 }\n",
    "limits: { call_timeout: 0s }\n",
    "limits: { max_sessions: 0 }\n",
    "agents:\n  bot: { keys: ['sha256:abc'] }\n",
    "policy: { default: permit }\n",
    "policy: { rules: [ { effect: allow } ] }\n",
    "audit: { durability: async }\n",
    "audit: { fail_open: 'yes' }\n",
    "public_url: ftp://x/mcp\n"
  })
  void typicalMistakesAreRejectedByBothTheSchemaAndTheLoader(String yaml) {
    assertThat(schema.validate(yamlToJson(yaml))).as("schema").isNotEmpty();
    assertThat(ConfigTesting.invalid(yaml)).as("loader").isNotEmpty();
  }

  @Test
  void theSchemaAcceptsEnvironmentReferencesWhereTheLoaderDoes() {
    String yaml = "listen: '127.0.0.1:${env:PORT}'\nlimits: { max_sessions: '${env:MAX}' }\naudit: { fail_open: '${env:FO}' }\n";
    assertThat(schema.validate(yamlToJson(yaml))).isEmpty();
    assertThat(ConfigTesting.ok(ConfigLoader.parse(yaml, ConfigTesting.BASE,
        java.util.Map.of("PORT", "1", "MAX", "2", "FO", "false")::get)).limits().maxSessions()).isEqualTo(2);
  }
}
