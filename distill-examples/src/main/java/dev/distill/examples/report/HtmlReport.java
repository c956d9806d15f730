package dev.distill.examples.report;

import static dev.distill.examples.report.Html.esc;

import dev.distill.examples.report.RunSummary.Model;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The report page: one self-contained HTML document (inline CSS and SVG; no script, no font,
 * image or style sheet fetched from anywhere), readable offline and printable.
 */
final class HtmlReport {

    private static final int CHART_W = 560;
    private static final int CHART_H = 300;
    private static final int WIDE_W = 1120;
    private static final int WIDE_H = 400;

    private HtmlReport() {}

    /**
     * @param generatedAt when, as text for the footer
     * @param version the distill version for the footer
     */
    static String render(RunMetrics m, RunSummary s, String generatedAt, String version) {
        StringBuilder b = new StringBuilder(64 * 1024);
        b.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>").append(esc(s.title())).append("</title>\n<style>\n").append(CSS).append("</style>\n")
                .append("</head>\n<body>\n<main>\n");
        header(b, m, s, generatedAt);
        if (!s.models().isEmpty()) {
            summaryTable(b, s);
        }
        if (!s.notes().isBlank()) {
            b.append("<section>\n<h2>Notes</h2>\n");
            for (String para : s.notes().strip().split("\\n\\s*\\n")) {
                b.append("<p>").append(esc(para.strip())).append("</p>\n");
            }
            b.append("</section>\n");
        }
        losses(b, m);
        evaluation(b, m, s);
        List<LineChart> dynamics = ReportCharts.dynamics(m);
        if (!dynamics.isEmpty()) {
            b.append("<section>\n<h2>Training dynamics</h2>\n<div class=\"charts\">\n");
            for (LineChart c : dynamics) {
                card(b, SvgCharts.line(c, CHART_W, CHART_H), false);
            }
            b.append("</div>\n</section>\n");
        }
        List<BarChart> bars = ReportCharts.models(s);
        if (!bars.isEmpty()) {
            b.append("<section>\n<h2>Models</h2>\n<p class=\"hint\">Bars are coloured by role:")
                    .append(" <span class=\"role teacher\">teacher</span> <span class=\"role student\">student</span>")
                    .append(" <span class=\"role reference\">reference</span></p>\n<div class=\"charts\">\n");
            for (BarChart c : bars) {
                card(b, SvgCharts.bars(c, CHART_W), false);
            }
            b.append("</div>\n</section>\n");
        }
        if (!s.config().isEmpty()) {
            b.append("<section>\n<h2>Configuration</h2>\n<table class=\"config\">\n<tbody>\n");
            for (Map.Entry<String, String> e : s.config().entrySet()) {
                b.append("<tr><th>").append(esc(e.getKey())).append("</th><td>").append(esc(e.getValue()))
                        .append("</td></tr>\n");
            }
            b.append("</tbody>\n</table>\n</section>\n");
        }
        b.append("<footer>Generated ").append(esc(generatedAt)).append(" by distill ").append(esc(version))
                .append(" from <code>").append(RunMetrics.FILE).append("</code> and <code>").append(RunSummary.FILE)
                .append("</code>. Lines: faint = logged values, solid = exponential moving average")
                .append(" (bias-corrected, reaching back about 4&nbsp;% of the points). Hover a line for values.")
                .append("</footer>\n</main>\n</body>\n</html>\n");
        return b.toString();
    }

    private static void header(StringBuilder b, RunMetrics m, RunSummary s, String generatedAt) {
        b.append("<header>\n<h1>").append(esc(s.title())).append("</h1>\n<p class=\"meta\">");
        List<String> facts = new ArrayList<>();
        if (!m.train().isEmpty()) {
            facts.add("last step " + m.lastStep());
            facts.add(m.train().size() + " logged training points");
        }
        if (!m.evals().isEmpty()) {
            facts.add(m.evals().size() + (m.evals().size() == 1 ? " evaluation" : " evaluations"));
        }
        if (!m.termNames().isEmpty()) {
            facts.add("loss terms: " + String.join(", ", m.termNames()));
        }
        facts.add(generatedAt);
        b.append(esc(String.join(" \u00b7 ", facts))).append("</p>\n");
        if (!s.command().isBlank()) {
            b.append("<pre class=\"cmd\">$ ").append(esc(s.command())).append("</pre>\n");
        }
        b.append("</header>\n");
    }

    /** Models by rows; sizes, speed and every metric with its retention of the teacher's value. */
    private static void summaryTable(StringBuilder b, RunSummary s) {
        List<Comparison> rows = Comparison.of(s);
        Set<String> metrics = new LinkedHashSet<>();
        s.models().forEach(mo -> metrics.addAll(mo.metrics().keySet()));
        boolean teacher = s.teacher().isPresent();
        b.append("<section>\n<h2>Summary</h2>\n<div class=\"scroll\">\n<table class=\"summary\">\n<thead><tr>")
                .append("<th>model</th><th>role</th><th>parameters</th>");
        if (teacher) {
            b.append("<th title=\"parameters / teacher's parameters\">of teacher</th>");
        }
        b.append("<th>size</th><th>latency</th><th>throughput</th>");
        if (teacher) {
            b.append("<th title=\"teacher latency / model latency (or throughput / teacher throughput)\">speed-up</th>");
        }
        for (String metric : metrics) {
            b.append("<th>").append(esc(metric)).append("</th>");
            if (teacher) {
                b.append("<th title=\"100 \u00d7 value / teacher's value\">retained</th>");
            }
        }
        b.append("</tr></thead>\n<tbody>\n");
        for (Comparison c : rows) {
            Model mo = c.model();
            String role = mo.role().name().toLowerCase(Locale.ROOT);
            b.append("<tr><td>").append(esc(mo.name())).append("</td><td><span class=\"role ").append(role)
                    .append("\">").append(role).append("</span></td>");
            cell(b, mo.hasParameters() ? Html.count(mo.parameters()) : "n/a");
            if (teacher) {
                cell(b, Html.times(c.parameterRatio()));
            }
            cell(b, mo.hasSize() ? Html.bytes(mo.sizeBytes()) : "n/a");
            cell(b, mo.hasLatency() ? Html.num(mo.latencyMs()) + " ms" : "n/a");
            cell(b, mo.hasThroughput() ? Html.num(mo.sentencesPerSecond()) + " /s" : "n/a");
            if (teacher) {
                cell(b, Html.times(c.speedUp()));
            }
            for (String metric : metrics) {
                Double v = mo.metrics().get(metric);
                cell(b, v == null ? "n/a" : Html.num(v));
                if (teacher) {
                    cell(b, Html.percent(Optional.ofNullable(c.retention().get(metric)).orElse(Double.NaN)));
                }
            }
            b.append("</tr>\n");
        }
        b.append("</tbody>\n</table>\n</div>\n");
        if (teacher) {
            b.append("<p class=\"hint\">\u201cof teacher\u201d = parameters \u00f7 the teacher\u2019s; speed-up ="
                    + " teacher latency \u00f7 model latency (throughput ratio where latency is missing);"
                    + " retained = 100 \u00d7 metric \u00f7 the teacher\u2019s.</p>\n");
        }
        b.append("</section>\n");
    }

    private static void cell(StringBuilder b, String text) {
        b.append("<td").append(text.equals("n/a") ? " class=\"na\"" : "").append('>').append(esc(text)).append("</td>");
    }

    private static void losses(StringBuilder b, RunMetrics m) {
        if (m.train().isEmpty()) {
            b.append("<section>\n<h2>Training loss</h2>\n<p class=\"hint\">No training steps in ")
                    .append(RunMetrics.FILE).append(".</p>\n</section>\n");
            return;
        }
        b.append("<section>\n<h2>Training loss</h2>\n<div class=\"charts\">\n");
        card(b, SvgCharts.line(ReportCharts.allTerms(m, "all loss terms"), WIDE_W, WIDE_H), true);
        if (ReportCharts.hasAny(m, RunMetrics.TrainPoint::loss)) {
            card(b, SvgCharts.line(ReportCharts.total(m), CHART_W, CHART_H), false);
        }
        for (int i = 0; i < ReportCharts.topLevel(m.termNames()).size(); i++) {
            card(b, SvgCharts.line(ReportCharts.term(m, i), CHART_W, CHART_H), false);
        }
        b.append("</div>\n</section>\n");
    }

    private static void evaluation(StringBuilder b, RunMetrics m, RunSummary s) {
        if (m.evals().isEmpty()) {
            return;
        }
        b.append("<section>\n<h2>Evaluation</h2>\n<div class=\"charts\">\n");
        List<String> flat = new ArrayList<>();
        for (String metric : m.evalMetricNames()) {
            Optional<Double> constant = ReportCharts.constantValue(m, metric);
            if (constant.isPresent()) {
                flat.add(metric + " = " + Html.num(constant.get()));
                continue;
            }
            card(b, SvgCharts.line(ReportCharts.eval(m, metric, s), CHART_W, CHART_H), false);
        }
        b.append("</div>\n");
        if (!flat.isEmpty()) {
            b.append("<p class=\"hint\">The same at every evaluation: ").append(esc(String.join(", ", flat)))
                    .append(".</p>\n");
        }
        b.append("</section>\n");
    }

    private static void card(StringBuilder b, String svg, boolean wide) {
        b.append("<figure class=\"card").append(wide ? " wide" : "").append("\">\n").append(svg).append("</figure>\n");
    }

    private static final String CSS = """
            :root { --fg: #1f2328; --muted: #656d76; --line: #d8dee4; --panel: #f6f8fa; }
            * { box-sizing: border-box; }
            body { margin: 0; background: #fff; color: var(--fg);
              font: 14px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", "Helvetica Neue", Arial, "DejaVu Sans", sans-serif; }
            main { max-width: 1200px; margin: 0 auto; padding: 28px 32px 40px; }
            h1 { font-size: 24px; margin: 0 0 4px; font-weight: 650; }
            h2 { font-size: 17px; margin: 34px 0 14px; padding-bottom: 6px; border-bottom: 1px solid var(--line); font-weight: 600; }
            p { max-width: 80ch; }
            .meta, .hint, footer { color: var(--muted); }
            .hint { font-size: 12.5px; }
            pre.cmd, code { font: 12.5px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace; }
            pre.cmd { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px;
              white-space: pre-wrap; word-break: break-all; margin: 12px 0 0; }
            .scroll { overflow-x: auto; }
            table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
            table.summary th, table.summary td { padding: 7px 11px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
            table.summary th:nth-child(-n+2), table.summary td:nth-child(-n+2) { text-align: left; }
            table.summary thead th { font-size: 12px; font-weight: 600; color: var(--muted); border-bottom: 2px solid var(--line); }
            table.summary tbody tr:hover { background: var(--panel); }
            td.na { color: #aab1b9; }
            .role { display: inline-block; font-size: 11px; padding: 1px 8px; border-radius: 10px; color: #fff; }
            .role.teacher { background: #4E79A7; } .role.student { background: #E07B14; } .role.reference { background: #8C8C8C; }
            table.config th, table.config td { text-align: left; padding: 4px 14px 4px 0; border-bottom: 1px solid var(--panel); vertical-align: top; }
            table.config th { font: 12.5px ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace; color: var(--muted); font-weight: 400; }
            table.config td { font: 12.5px ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace; word-break: break-all; }
            .charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(460px, 1fr)); gap: 16px; }
            figure.card { margin: 0; border: 1px solid var(--line); border-radius: 8px; padding: 6px 8px 2px; background: #fff; }
            figure.wide { grid-column: 1 / -1; }
            svg.chart { width: 100%; height: auto; display: block; overflow: visible; }
            svg .title { font-size: 13px; font-weight: 600; fill: var(--fg); }
            svg .tick, svg .note { font-size: 11px; fill: var(--muted); }
            svg .label { font-size: 11.5px; fill: #444; }
            svg .legend, svg .value { font-size: 11px; fill: #333; }
            svg .reflabel { font-size: 11px; font-weight: 600; }
            svg .plot { fill: #fff; stroke: #c9ced4; }
            svg .grid { stroke: #eef0f2; stroke-width: 1; }
            svg .axis { stroke: #9aa0a6; }
            svg .raw { fill: none; stroke-width: 1; stroke-opacity: .3; }
            svg .line { fill: none; stroke-width: 2; stroke-linejoin: round; stroke-linecap: round; }
            svg .ref { stroke-width: 1.5; stroke-dasharray: 6 4; }
            svg .hit { fill-opacity: 0; }
            svg .hit:hover { fill-opacity: 1; }
            footer { margin-top: 40px; padding-top: 10px; border-top: 1px solid var(--line); font-size: 12px; }
            @media print { main { max-width: none; padding: 0; } figure.card { break-inside: avoid; } }
            """;
}
