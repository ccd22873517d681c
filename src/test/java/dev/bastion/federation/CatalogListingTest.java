package dev.bastion.federation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bastion.jsonrpc.JsonRpcCodec;
import dev.bastion.pipeline.Era;
import dev.bastion.pipeline.ReasonCode;
import dev.bastion.upstream.Upstream;
import dev.bastion.upstream.UpstreamException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/**
 * How a server's lists are fetched: every list's first page is asked for before any answer is
 * awaited, later pages follow their cursor, and a list that fails leaves the others intact.
 */
class CatalogListingTest {

  /** Tools in two pages; prompts fail to send; resources and templates one page each. Records sends and awaits in order. */
  private static final class PagedUpstream implements Upstream {
    final List<String> events = Collections.synchronizedList(new ArrayList<>());

    @Override
    public String name() {
      return "paged";
    }

    @Override
    public void start() {}

    @Override
    public ServerDescription description() {
      ObjectNode caps = JsonRpcCodec.nodes().objectNode();
      caps.putObject("tools");
      caps.putObject("prompts");
      caps.putObject("resources");
      return new ServerDescription(Era.LEGACY, "2025-11-25", JsonRpcCodec.nodes().objectNode().put("name", "paged"), caps, null);
    }

    @Override
    public Call call(String method, ObjectNode params, CallOptions options) throws UpstreamException {
      String cursor = params.path("cursor").isString() ? params.get("cursor").asString() : null;
      events.add("send " + method + (cursor == null ? "" : " " + cursor));
      if (method.equals("prompts/list")) {
        throw new UpstreamException(ReasonCode.UPSTREAM_UNAVAILABLE, "prompts cannot be sent");
      }
      ObjectNode result = JsonRpcCodec.nodes().objectNode();
      switch (method) {
        case "tools/list" -> {
          result.putArray("tools").addObject().put("name", cursor == null ? "t1" : "t2");
          if (cursor == null) {
            result.put("nextCursor", "page2");
          }
        }
        case "resources/list" -> result.putArray("resources").addObject().put("uri", "file:///r1").put("name", "r1");
        default -> result.putArray("resourceTemplates").addObject().put("uriTemplate", "file:///{x}").put("name", "tpl");
      }
      return new Call() {
        @Override
        public ObjectNode await() {
          events.add("await " + method + (cursor == null ? "" : " " + cursor));
          return result;
        }

        @Override
        public void cancel(String reason) {}
      };
    }

    @Override
    public void notify(String method, ObjectNode params) {}

    @Override
    public Health health() {
      return Health.READY;
    }

    @Override
    public void close() {}
  }

  @Test
  void firstPagesAreAllSentBeforeAnyIsAwaitedAndLaterPagesFollowTheirCursor() {
    PagedUpstream upstream = new PagedUpstream();
    Catalog catalog = new Catalog(List.of("paged"));
    catalog.refresh("paged", upstream, Duration.ofSeconds(5));

    assertThat(upstream.events).containsExactly(
        "send tools/list", "send prompts/list", "send resources/list", "send resources/templates/list",
        "await tools/list", "send tools/list page2", "await tools/list page2", // prompts: its failed send is reported, not retried
        "await resources/list", "await resources/templates/list");
    Catalog.ServerPart part = catalog.parts().getFirst();
    assertThat(part.tools()).extracting(t -> t.get("name").asString()).containsExactly("t1", "t2");
    assertThat(part.prompts()).isEmpty();
    assertThat(part.resources()).hasSize(1);
    assertThat(part.templates()).hasSize(1);
  }
}
