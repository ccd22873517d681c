package dev.bastion.gateway;

import dev.bastion.pipeline.Pipeline;
import dev.bastion.pipeline.Stage;
import java.util.List;

/**
 * The one place where the stages are put in order. Each line says why its stage sits where it
 * does; a new protection is a new line here, never an edit to the listener or the upstream code.
 */
final class PipelineAssembly {

  /** The stages a configuration contributes, built (and compiled) when the config loads. */
  record Parts(
      Stage accessLog,
      Stage telemetry,
      Stage record,
      Stage identify,
      Stage session,
      Stage limit,
      Stage route,
      Stage inspectRequest,
      Stage flow,
      Stage decide,
      Stage inspectResponse,
      Stage upstream) {}

  static Pipeline assemble(Parts p) {
    return new Pipeline(
        List.of(
            // access-log: outermost, so its line covers every outcome, a failed audit write included.
            p.accessLog(),
            // telemetry: the exchange's server span and duration metric, current for everything
            // inside (policy, audit and upstream calls report child spans through wrappers made in
            // Gateway); outside record so a failed audit write is measured, inside access-log so
            // the access line can carry its trace id. Reads the agent's W3C trace context.
            p.telemetry(),
            // record: wraps everything that judges or acts, so every outcome (denials and failures
            // too) is written to the audit log before the agent sees its response; if the record
            // cannot be written the agent gets audit_unavailable instead (fail closed).
            p.record(),
            // identify: nothing else runs for a caller we cannot name; the principal it sets is
            // what every later stage reasons about.
            p.identify(),
            // session: a legacy session is usable only by the agent that created it; needs the
            // principal, so it comes right after identify.
            p.session(),
            // limit: per-agent, per-tool and per-session rates, concurrency and loop detection. Needs
            // the principal (and session); sits before route and decide so that a flood of calls is
            // turned away before any catalog lookup or policy evaluation is spent on it.
            p.limit(),
            // route: resolve the real target (server, tool and its definition) from the federated
            // catalog before anything judges the call, so policy sees what will actually run. The
            // catalog holds only tools whose definitions passed the integrity checks
            // (dev.bastion.integrity); a call to a quarantined one ends here with tool_quarantined.
            p.route(),
            // inspect-request: schema, argument rules (paths, URLs, shell) and content detectors over
            // the arguments. After route, because it needs the tool's definition and argument rules;
            // before decide, so that policy sees request.findings and works on redacted arguments.
            p.inspectRequest(),
            // flow: information-flow control. Needs the routed target (its labels), must wrap the
            // upstream call to fingerprint what comes back, and sits before decide so that policy
            // sees the session's labels (session.labels) and a flow denial never reaches a tool.
            // Its built-in rules are rules like policy's (ids, enforce/shadow, audited). After
            // inspect-request, so it compares the arguments as the firewall left them; outside
            // inspect-response, but it fingerprints the result as the upstream produced it (the
            // firewall keeps the original in the exchange log when it redacts), so a redacted
            // secret is still provenance if the agent obtains and sends it anyway.
            p.flow(),
            // decide: policy over agent, target, arguments and session; deny by default. Comes
            // last before the upstream so that nothing it refuses ever reaches a tool.
            p.decide(),
            // inspect-response: wraps the upstream (innermost), so it sees every result before any
            // other stage or the agent does; redacts or blocks it and asks policy again with
            // response.findings. After decide, so a refused call never reaches it.
            p.inspectResponse(),
            // upstream: the terminal stage; answers gateway methods itself, forwards the rest.
            p.upstream()));
  }

  private PipelineAssembly() {}
}
