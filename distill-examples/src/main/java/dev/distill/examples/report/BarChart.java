package dev.distill.examples.report;

import java.util.List;
import java.util.function.DoubleFunction;

/**
 * Horizontal bars, one per model, starting at zero.
 *
 * @param title drawn above the bars
 * @param note a short line after the title, e.g. "lower is better"
 * @param bars in display order (top first)
 * @param format writes a bar's value next to it
 */
record BarChart(String title, String note, List<Bar> bars, DoubleFunction<String> format) {

    /**
     * @param label the model name
     * @param value NaN when unknown (drawn as "n/a")
     * @param color CSS hex colour
     */
    record Bar(String label, double value, String color) {
        Bar {
            LineChart.checkColor(color);
        }
    }

    BarChart {
        bars = List.copyOf(bars);
    }
}
