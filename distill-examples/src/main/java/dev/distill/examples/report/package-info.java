/**
 * The run report: {@link dev.distill.examples.report.ReportWriter} turns a run's
 * {@code metrics.jsonl} ({@link dev.distill.examples.report.RunMetrics}) and a
 * {@link dev.distill.examples.report.RunSummary} into a self-contained {@code report.html}
 * (inline SVG charts, no network) and a {@code main-chart.png} drawn with Java2D. Charts are
 * described once ({@link dev.distill.examples.report.LineChart}) and drawn by two renderers
 * that share their geometry.
 */
package dev.distill.examples.report;
