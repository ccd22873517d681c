package dev.bastion.attacksim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The suite's outcome, AgentDojo-style: per category and overall, the attack block rate (attacks
 * whose every expectation held), the benign pass rate (benign twins whose every step went through)
 * and the latency Bastion added to calls that reached a tool (p50/p95, against the same call made
 * to the test server directly).
 */
public record Scorecard(List<Result> results) {
  /** How a scenario's {@code not_run} reason starts when the defence is present but known not to stop the attack. */
  static final String DEFENCE_GAP = "defence gap";

  /** One scenario's outcome; {@code run} false when its defence is absent from the build. */
  public record Result(Scenario scenario, boolean run, List<String> attackMisses, List<String> benignMisses, List<Long> addedLatencyMicros) {
    Result(Scenario scenario, boolean run) {
      this(scenario, run, new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    }

    static Result notRun(Scenario s) {
      return new Result(s, false);
    }

    /** Why a scenario was not run: its defence is absent, or the runner cannot play it yet. */
    public String notRunReason() {
      if (run) {
        return "";
      }
      if (scenario.notRun() == null) {
        return "defence absent: " + scenario.defence();
      }
      return scenario.notRun().startsWith(DEFENCE_GAP) ? scenario.notRun() : "runner: " + scenario.notRun();
    }

    public boolean attackBlocked() {
      return run && attackMisses.isEmpty();
    }

    public boolean benignPassed() {
      return run && benignMisses.isEmpty();
    }
  }

  /** Totals of a group of results. */
  public record Tally(String name, int run, int notRun, int blocked, int passed, long p50Micros, long p95Micros, List<String> absentDefences) {
    public double blockRate() {
      return run == 0 ? 0 : (double) blocked / run;
    }

    public double passRate() {
      return run == 0 ? 0 : (double) passed / run;
    }
  }

  public Map<String, Tally> byCategory() {
    Map<String, List<Result>> groups = new LinkedHashMap<>();
    for (Result r : results) {
      groups.computeIfAbsent(r.scenario().category(), k -> new ArrayList<>()).add(r);
    }
    Map<String, Tally> out = new LinkedHashMap<>();
    groups.forEach((k, v) -> out.put(k, tally(k, v)));
    return out;
  }

  public Tally overall() {
    return tally("overall", results);
  }

  /** True when every scenario that ran met every expectation (scenarios not run do not count as passed). */
  public boolean allExpectationsMet() {
    return results.stream().filter(Result::run).allMatch(r -> r.attackBlocked() && r.benignPassed());
  }

  private static Tally tally(String name, List<Result> rs) {
    int run = 0;
    int blocked = 0;
    int passed = 0;
    List<Long> lat = new ArrayList<>();
    List<String> absent = new ArrayList<>();
    for (Result r : rs) {
      if (!r.run()) {
        String why = r.scenario().notRun() == null ? "defence absent: " + r.scenario().defence()
            : r.scenario().notRun().startsWith(DEFENCE_GAP) ? "defence gap" : "runner lacks a step type";
        if (!absent.contains(why)) {
          absent.add(why);
        }
        continue;
      }
      run++;
      blocked += r.attackBlocked() ? 1 : 0;
      passed += r.benignPassed() ? 1 : 0;
      lat.addAll(r.addedLatencyMicros());
    }
    lat.sort(Long::compare);
    return new Tally(name, run, rs.size() - run, blocked, passed, percentile(lat, 50), percentile(lat, 95), absent);
  }

  /** The p-th percentile, or -1 when there are no samples (no call had a directly connected baseline to compare with). */
  static long percentile(List<Long> sorted, int p) {
    if (sorted.isEmpty()) {
      return -1;
    }
    int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
  }

  /** The scorecard as plain text, one line per category, then every missed expectation. */
  public String text() {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format("%-10s %5s %9s %9s %9s %9s  %s%n", "category", "run", "blocked", "benign", "p50 ms", "p95 ms", "not run"));
    for (Tally t : byCategory().values()) {
      sb.append(line(t));
    }
    sb.append(line(overall()));
    for (Result r : results) {
      r.attackMisses().forEach(m -> sb.append("MISSED ").append(r.scenario().id()).append(" attack: ").append(m).append('\n'));
      r.benignMisses().forEach(m -> sb.append("MISSED ").append(r.scenario().id()).append(" benign: ").append(m).append('\n'));
    }
    for (Result r : results) {
      if (!r.run()) {
        sb.append("NOT RUN ").append(r.scenario().id()).append(": ").append(r.notRunReason()).append('\n');
      }
    }
    return sb.toString();
  }

  private static String ms(long micros) {
    return micros < 0 ? "-" : String.format(java.util.Locale.ROOT, "%.2f", micros / 1000.0);
  }

  private static String line(Tally t) {
    String notRun = t.notRun() == 0 ? "" : t.notRun() + " (" + String.join("; ", t.absentDefences()) + ")";
    if (t.run() == 0) {
      return String.format("%-10s %5d %9s %9s %9s %9s  %s%n", t.name(), 0, "-", "-", "-", "-", notRun);
    }
    return String.format("%-10s %5d %8.0f%% %8.0f%% %9s %9s  %s%n", t.name(), t.run(), 100 * t.blockRate(), 100 * t.passRate(),
        ms(t.p50Micros()), ms(t.p95Micros()), notRun);
  }
}
