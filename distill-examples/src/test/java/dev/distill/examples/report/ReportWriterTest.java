package dev.distill.examples.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.core.data.DataException;
import dev.distill.examples.report.RunSummary.Model;
import dev.distill.examples.report.RunSummary.Role;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportWriterTest {

    @TempDir
    Path dir;

    private static int count(String haystack, String needle) {
        int n = 0;
        for (int i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    @Test
    void writesASelfContainedPageWithAChartPerTermAndMetric() throws Exception {
        Files.writeString(dir.resolve("metrics.jsonl"), SyntheticRun.metricsJsonl(3000));
        RunSummary summary = SyntheticRun.summary();
        ReportWriter.Report r = ReportWriter.write(dir, summary);
        String html = Files.readString(r.html());

        // 1 all-terms + 1 total + 3 terms; 2 eval metrics ("examples" is constant: text, not a chart);
        // lr, grad norm, throughput; parameters, size, latency, throughput bars.
        assertEquals(1 + 1 + 3 + 2 + 3 + 4, count(html, "<svg"));
        assertEquals(count(html, "<svg"), count(html, "</svg>"));
        for (String term : List.of("hidden_mse", "attention_mse", "pooled_cosine")) {
            assertTrue(html.contains(">" + term + "</text>"), "chart titled " + term);
        }
        assertTrue(html.contains("examples = 1379"), "a constant metric is listed as text");
        assertTrue(html.contains("teacher bge-small-en-v1.5: 72.4"), "teacher's reference line on sts_mean");

        // Self-contained: nothing fetched. Any http(s) reference may only be the SVG namespace.
        Matcher urls = Pattern.compile("https?://[^\"'\\s<>)]*").matcher(html);
        while (urls.find()) {
            assertEquals("http://www.w3.org/2000/svg", urls.group(), "external reference in the page");
        }
        for (String banned : List.of("<script", "<link", "<img", "@import", "url(", "<iframe")) {
            assertFalse(html.contains(banned), "page contains " + banned);
        }
        // User text is escaped, not interpreted.
        assertTrue(html.contains("&lt;with padding masked&gt; &amp; weighted 0.5"));
        assertFalse(html.contains("<with padding masked>"));

        // summary.json round-trips to the same summary.
        assertEquals(summary, RunSummary.readRun(dir));
    }

    @Test
    void summaryTableNumbersAreRetentionRatiosAndSpeedUp() throws Exception {
        // Hand-chosen: teacher 100M params, 40 ms, STS 80.0 / acc 0.90; student 25M, 10 ms, 76.0 / 0.855.
        // retention 76/80 = 95.0 %, 0.855/0.9 = 95.0 %; params 25/100 = 0.25x; speed-up 40/10 = 4.00x.
        // Reference: 50M, no latency but 300 vs 200 sentences/s -> 1.50x; STS 72 -> 90.0 %.
        RunSummary s = RunSummary.builder("t")
                .model(Model.builder("T", Role.TEACHER).parameters(100_000_000).latencyMs(40).sentencesPerSecond(200)
                        .metric("sts", 80.0).metric("acc", 0.90).build())
                .model(Model.builder("S", Role.STUDENT).parameters(25_000_000).latencyMs(10)
                        .metric("sts", 76.0).metric("acc", 0.855).build())
                .model(Model.builder("R", Role.REFERENCE).parameters(50_000_000).sentencesPerSecond(300)
                        .metric("sts", 72.0).build())
                .build();
        List<Comparison> rows = Comparison.of(s);
        assertEquals(1.0, rows.get(0).parameterRatio());
        assertEquals(100.0, rows.get(0).retention().get("sts"));
        assertEquals(0.25, rows.get(1).parameterRatio(), 1e-12);
        assertEquals(4.0, rows.get(1).speedUp(), 1e-12);
        assertEquals(95.0, rows.get(1).retention().get("sts"), 1e-9);
        assertEquals(95.0, rows.get(1).retention().get("acc"), 1e-9);
        assertEquals(0.5, rows.get(2).parameterRatio(), 1e-12);
        assertEquals(1.5, rows.get(2).speedUp(), 1e-12);
        assertEquals(90.0, rows.get(2).retention().get("sts"), 1e-9);
        assertTrue(Double.isNaN(rows.get(1).sizeRatio()), "no sizes given");

        String html = ReportWriter.html(new RunMetrics(List.of(), List.of()), s);
        String table = html.substring(html.indexOf("<table class=\"summary\">"), html.indexOf("</table>"));
        String studentRow = row(table, "S");
        // columns: model, role, parameters, of teacher, size, latency, throughput, speed-up, sts, retained, acc, retained
        assertEquals(List.of("S", "student", "25.0 M", "0.25\u00d7", "n/a", "10 ms", "n/a", "4.00\u00d7", "76",
                "95.0\u00a0%", "0.855", "95.0\u00a0%"), cells(studentRow));
        assertEquals(List.of("R", "reference", "50.0 M", "0.50\u00d7", "n/a", "n/a", "300 /s", "1.50\u00d7", "72",
                "90.0\u00a0%", "n/a", "n/a"), cells(row(table, "R")));
    }

    @Test
    void withoutATeacherThereAreNoRatioColumns() {
        RunSummary s = RunSummary.builder("t")
                .model(Model.builder("S", Role.STUDENT).parameters(1000).metric("sts", 70).build()).build();
        String html = ReportWriter.html(new RunMetrics(List.of(), List.of()), s);
        assertFalse(html.contains(">retained<"));
        assertTrue(Double.isNaN(Comparison.of(s).get(0).parameterRatio()));
    }

    @Test
    void mainChartPngIs1200By600AndHasColouredLinesInThePlot() throws Exception {
        Files.writeString(dir.resolve("metrics.jsonl"), SyntheticRun.metricsJsonl(1000));
        ReportWriter.Report r = ReportWriter.write(dir, SyntheticRun.summary());
        BufferedImage img = ImageIO.read(r.png().toFile());
        assertNotNull(img, "ImageIO cannot decode " + r.png());
        assertEquals(1200, img.getWidth());
        assertEquals(600, img.getHeight());
        // Axes, grid and text are grey; only the data lines are saturated colours. Count those
        // pixels in the middle of the image, well inside the plot area.
        int coloured = 0;
        for (int y = 100; y < 500; y++) {
            for (int x = 150; x < 850; x++) {
                Color c = new Color(img.getRGB(x, y));
                float[] hsb = Color.RGBtoHSB(c.getRed(), c.getGreen(), c.getBlue(), null);
                if (hsb[1] > 0.35f && hsb[2] > 0.3f) {
                    coloured++;
                }
            }
        }
        assertTrue(coloured > 2000, "only " + coloured + " coloured pixels in the plot area");
        Color corner = new Color(img.getRGB(3, 3));
        assertEquals(Color.WHITE, corner, "background");
    }

    @Test
    void summaryJsonErrorsNameTheFile() throws Exception {
        Path f = dir.resolve("summary.json");
        Files.writeString(f, "{\"title\":\"x\",\"models\":[{\"name\":\"a\",\"role\":\"mentor\"}]}");
        DataException e = assertThrows(DataException.class, () -> RunSummary.readRun(dir));
        assertTrue(e.getMessage().startsWith(f + " models[0]:role: unknown role 'mentor'; use one of"), e.getMessage());
        Files.writeString(f, "{\"title\":\"x\",\"models\":[{\"name\":\"a\",\"role\":\"teacher\"},"
                + "{\"name\":\"b\",\"role\":\"teacher\"}]}");
        DataException two = assertThrows(DataException.class, () -> RunSummary.readRun(dir));
        assertTrue(two.getMessage().contains("[a, b] are all teachers"), two.getMessage());
    }

    @Test
    void sparseAndDegenerateInputsStillMakeAPage() throws Exception {
        // No models, no evaluations, one training point with a missing term value, a NaN loss.
        RunMetrics m = RunMetrics.parse("{\"step\": 5, \"loss\": null, \"terms\": {\"kd\": 0.7, \"mse\": null}}\n", "m");
        RunSummary s = RunSummary.builder("degenerate").build();
        String html = ReportWriter.html(m, s);
        assertTrue(html.contains(">kd</text>") && html.contains(">mse</text>"));
        assertTrue(html.contains(">no data</text>"), "a term without values says so");
        assertFalse(html.contains("NaN"), "no NaN leaks into coordinates or labels");
        BufferedImage img = PngChart.render(ReportWriter.mainChart(m, s), 1200, 600);
        assertEquals(600, img.getHeight());
        // And an empty run: no training, no evaluations.
        String empty = ReportWriter.html(new RunMetrics(List.of(), List.of()), s);
        assertTrue(empty.contains("No training steps"));
        assertEquals(0, count(empty, "<svg"));
    }

    private static String row(String table, String model) {
        int at = table.indexOf("<tr><td>" + model + "</td>");
        return table.substring(at, table.indexOf("</tr>", at));
    }

    /** Cell texts of a row, tags stripped and entities decoded (only those the page uses). */
    private static List<String> cells(String row) {
        Matcher m = Pattern.compile("<td[^>]*>(.*?)</td>").matcher(row);
        List<String> out = new java.util.ArrayList<>();
        while (m.find()) {
            out.add(m.group(1).replaceAll("<[^>]+>", "").replace("&amp;", "&"));
        }
        return out;
    }
}
