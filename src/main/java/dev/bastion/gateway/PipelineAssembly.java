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
      Stage record,
      Stage identify,
      Stage session,
      Stage route,
      Stage inspectRequest,
      Stage decide,
      Stage inspectResponse,
      Stage upstream) {}

  static Pipeline assemble(Parts p) {
    return new Pipeline(
        List.of(
            // access-log: outermost, so its line covers every outcome, a failed audit write included.
            p.accessLog(),
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
            // route: resolve the real target (server, tool and its definition) from the federated
            // catalog before anything judges the call, so policy sees what will actually run.
            p.route(),
            // inspect-request: schema, argument rules (paths, URLs, shell) and content detectors over
            // the arguments. After route, because it needs the tool's definition and argument rules;
            // before decide, so that policy sees request.findings and works on redacted arguments.
            p.inspectRequest(),
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
