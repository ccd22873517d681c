package dev.bastion.attacksim;

import java.util.Locale;

/** The scorecard as one self-contained HTML page: a table and an inline SVG bar chart per category. */
final class HtmlReport {
  private HtmlReport() {}

  static String render(Scorecard card) {
    StringBuilder sb = new StringBuilder();
    sb.append("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Bastion attack simulation</title>\n")
        .append("<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;")
        .append("padding:4px 8px;text-align:right}th:first-child,td:first-child{text-align:left}.cat{display:inline-block;margin:1em;")
        .append("vertical-align:top}.miss{color:#a00}</style></head><body>\n<h1>Bastion attack simulation</h1>\n");
    Scorecard.Tally o = card.overall();
    sb.append("<p>").append(o.run()).append(" scenarios run, ").append(o.notRun()).append(" not run (defence absent from this build, a known defence gap, or a step type the runner lacks). ")
        .append("Attack block rate ").append(pct(o.blockRate())).append(", benign pass rate ").append(pct(o.passRate()))
        .append(", added latency p50 ").append(ms(o.p50Micros())).append(" / p95 ").append(ms(o.p95Micros())).append(".</p>\n");
    sb.append("<table><tr><th>category</th><th>run</th><th>attacks blocked</th><th>benign passed</th><th>p50</th><th>p95</th><th>not run</th></tr>\n");
    for (Scorecard.Tally t : card.byCategory().values()) {
      sb.append("<tr><td>").append(esc(t.name())).append("</td><td>").append(t.run()).append("</td><td>")
          .append(t.run() == 0 ? "-" : pct(t.blockRate())).append("</td><td>").append(t.run() == 0 ? "-" : pct(t.passRate()))
          .append("</td><td>").append(t.run() == 0 ? "-" : ms(t.p50Micros())).append("</td><td>").append(t.run() == 0 ? "-" : ms(t.p95Micros()))
          .append("</td><td>").append(t.notRun() == 0 ? "" : t.notRun() + " (" + esc(String.join("; ", t.absentDefences())) + ")")
          .append("</td></tr>\n");
    }
    sb.append("</table>\n<h2>Per category</h2>\n");
    for (Scorecard.Tally t : card.byCategory().values()) {
      sb.append("<div class=\"cat\"><h3>").append(esc(t.name())).append("</h3>").append(chart(t)).append("</div>\n");
    }
    sb.append("<h2>Scenarios</h2>\n<table><tr><th>id</th><th>title</th><th>defence</th><th>attack</th><th>benign twin</th></tr>\n");
    for (Scorecard.Result r : card.results()) {
      sb.append("<tr><td>").append(esc(r.scenario().id())).append("</td><td>").append(esc(r.scenario().title())).append("</td><td>")
          .append(esc(r.scenario().defence())).append("</td><td>").append(!r.run() ? "not run: " + esc(r.notRunReason()) : r.attackBlocked() ? "blocked" : "<span class=miss>MISSED</span>")
          .append("</td><td>").append(!r.run() ? "not run" : r.benignPassed() ? "passed" : "<span class=miss>MISSED</span>").append("</td></tr>\n");
      for (String m : r.attackMisses()) {
        sb.append("<tr><td></td><td colspan=4 class=miss>attack: ").append(esc(m)).append("</td></tr>\n");
      }
      for (String m : r.benignMisses()) {
        sb.append("<tr><td></td><td colspan=4 class=miss>benign: ").append(esc(m)).append("</td></tr>\n");
      }
    }
    return sb.append("</table>\n</body></html>\n").toString();
  }

  private static String chart(Scorecard.Tally t) {
    if (t.run() == 0) {
      return "<svg width=\"220\" height=\"60\" role=\"img\" aria-label=\"not run\"><text x=\"0\" y=\"30\">not run ("
          + esc(String.join("; ", t.absentDefences())) + ")</text></svg>";
    }
    int w = 200;
    int block = (int) Math.round(w * t.blockRate());
    int pass = (int) Math.round(w * t.passRate());
    return "<svg width=\"320\" height=\"70\" role=\"img\" aria-label=\"" + esc(t.name()) + " block and pass rates\">"
        + "<text x=\"0\" y=\"20\">blocked</text><rect x=\"70\" y=\"8\" width=\"" + w + "\" height=\"16\" fill=\"#eee\"/>"
        + "<rect x=\"70\" y=\"8\" width=\"" + block + "\" height=\"16\" fill=\"#b33\"/><text x=\"" + (w + 76) + "\" y=\"20\">" + pct(t.blockRate()) + "</text>"
        + "<text x=\"0\" y=\"50\">benign</text><rect x=\"70\" y=\"38\" width=\"" + w + "\" height=\"16\" fill=\"#eee\"/>"
        + "<rect x=\"70\" y=\"38\" width=\"" + pass + "\" height=\"16\" fill=\"#393\"/><text x=\"" + (w + 76) + "\" y=\"50\">" + pct(t.passRate()) + "</text>"
        + "</svg>";
  }

  private static String pct(double r) {
    return String.format(Locale.ROOT, "%.0f%%", 100 * r);
  }

  private static String ms(long micros) {
    if (micros < 0) {
      return "-"; // no call of this group had a directly connected baseline
    }
    return String.format(Locale.ROOT, "%.2f ms", micros / 1000.0);
  }

  private static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
