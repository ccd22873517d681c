package dev.bastion.federation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bastion.pipeline.Target;
import dev.bastion.testing.ListingUpstream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/**
 * Tools and prompts are resolved from an index built when the catalog changes; it must answer
 * exactly what the former per-call scan answered (split the exposed name at the first separator,
 * look the server up, take the first item of that name), withheld tools included.
 */
class CatalogResolveEquivalenceTest {

  /** The per-call scan the index replaced, over the parts agents see. */
  private static Optional<Target> reference(Catalog catalog, String exposedName, Target.Kind kind) {
    int sep = exposedName.indexOf(Catalog.SEPARATOR);
    if (sep <= 0) {
      return Optional.empty();
    }
    String server = exposedName.substring(0, sep);
    String name = exposedName.substring(sep + Catalog.SEPARATOR.length());
    for (Catalog.ServerPart part : catalog.parts()) {
      if (!part.server().equals(server)) {
        continue;
      }
      for (ObjectNode item : kind == Target.Kind.TOOL ? part.tools() : part.prompts()) {
        if (name.equals(item.path("name").asString(null))) {
          return Optional.of(new Target(kind, server, exposedName, name, item));
        }
      }
    }
    return Optional.empty();
  }

  @Test
  void theIndexAnswersWhatTheScanAnswered() {
    List<String> servers = List.of("mock", "ab_", "a", "x__y", "_z");
    Catalog catalog = new Catalog(servers, parts -> Map.of("mock__secret", "changed since approval"));
    List<String> names = List.of("echo", "_t", "b__t", "t", "secret", "", "__", "echo");
    for (String server : servers) {
      catalog.refresh(server, listing(names), Duration.ofSeconds(5));
    }
    List<String> probes = new ArrayList<>(List.of("", "__", "mock", "mock__", "mock__nope", "nope__echo", "ab___t", "a__b__t", "x__y__echo",
        "_z__echo", "___z__echo", "mock__secret", "mock____", "mock___t", "MOCK__echo", "mock__echo "));
    for (String server : servers) {
      for (String name : names) {
        probes.add(Catalog.expose(server, name));
      }
    }
    int resolved = 0;
    for (String probe : probes) {
      Optional<Target> tool = catalog.tool(probe);
      assertThat(tool).as("tool %s", probe).isEqualTo(reference(catalog, probe, Target.Kind.TOOL));
      assertThat(catalog.prompt(probe)).as("prompt %s", probe).isEqualTo(reference(catalog, probe, Target.Kind.PROMPT));
      tool.ifPresent(t -> assertThat(t.definition()).isSameAs(reference(catalog, probe, Target.Kind.TOOL).orElseThrow().definition()));
      resolved += tool.isPresent() ? 1 : 0;
    }
    assertThat(resolved).as("the probes resolve some tools").isGreaterThan(10);
    assertThat(catalog.tool("mock__secret")).as("a withheld tool").isEmpty();
    assertThat(catalog.tool("mock__echo").orElseThrow().definition().path("n").asInt()).as("the first of two with one name").isZero();
    assertThat(catalog.tool("ab___t")).as("server ab_ cannot be named: the name splits into server ab").isEmpty();
    assertThat(catalog.tool("a__b__t").orElseThrow().upstreamName()).isEqualTo("b__t");
  }

  @Test
  void theIndexFollowsARefresh() {
    Catalog catalog = new Catalog(List.of("mock"));
    catalog.refresh("mock", listing(List.of("echo")), Duration.ofSeconds(5));
    assertThat(catalog.tool("mock__echo")).isPresent();
    catalog.refresh("mock", listing(List.of("other")), Duration.ofSeconds(5));
    assertThat(catalog.tool("mock__echo")).isEmpty();
    assertThat(catalog.tool("mock__other")).isPresent();
    catalog.clear("mock");
    assertThat(catalog.tool("mock__other")).isEmpty();
  }

  /** Lists the given names as tools and as prompts (field n numbers them in list order). */
  private static ListingUpstream listing(List<String> names) {
    List<ObjectNode> items = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      items.add(ListingUpstream.named(names.get(i)).put("n", i));
    }
    return new ListingUpstream("listing", Map.of("tools", items, "prompts", items));
  }
}
