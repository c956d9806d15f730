package dev.distill.examples.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Smoothing, ticks and scale choice against hand-worked values. */
class ChartMathTest {

    @Test
    void emaIsTheBiasCorrectedWeightedMean() {
        // w = 0.5: s_k = sum_i w^(k-i) y_i / sum_i w^(k-i)
        // s_1 = 1; s_2 = (0.5*1 + 2) / 1.5 = 5/3; s_3 = (0.25*1 + 0.5*2 + 3) / 1.75 = 17/7
        double[] s = Smoothing.ema(new double[] {1, 2, Double.NaN, 3}, 0.5);
        assertEquals(1.0, s[0], 1e-12);
        assertEquals(5.0 / 3, s[1], 1e-12);
        assertTrue(Double.isNaN(s[2]), "a missing value stays missing and does not count");
        assertEquals(17.0 / 7, s[3], 1e-12);
        assertArrayEquals(new double[] {4, 5}, Smoothing.ema(new double[] {4, 5}, 0), 0);
        assertEquals(0, Smoothing.defaultWeight(25));
        assertEquals(0.75, Smoothing.defaultWeight(100), 1e-12);
    }

    @Test
    void linearTicksAreRoundMultiples() {
        Axis a = Axis.linear(0, 0.83, 0, 5); // 0.83 / 5 = 0.166 -> step 0.2
        assertArrayEquals(new String[] {"0", "0.2", "0.4", "0.6", "0.8"}, a.labels());
        Axis steps = Axis.linear(10, 3000, 0, 6); // 2990 / 6 = 498 -> step 500
        assertArrayEquals(new String[] {"500", "1000", "1500", "2000", "2500", "3000"}, steps.labels());
        Axis big = Axis.linear(0, 40_000, 0, 4);
        assertArrayEquals(new String[] {"0", "10k", "20k", "30k", "40k"}, big.labels());
        assertEquals(0.5, Axis.linear(0, 10, 0, 5).fraction(5), 1e-12);
    }

    @Test
    void logTicksAreDecades() {
        Axis a = Axis.log(0.01, 10, 0);
        assertTrue(a.log());
        assertArrayEquals(new String[] {"0.01", "0.1", "1", "10"}, a.labels());
        assertEquals(0.5, a.fraction(Math.sqrt(0.1)), 1e-12); // log10 = -0.5, the middle of [-2, 1]
        assertTrue(Double.isNaN(a.fraction(0)));
        Axis narrow = Axis.log(0.1, 2, 0); // 1.3 decades: 1-2-5 ticks
        assertArrayEquals(new String[] {"0.1", "0.2", "0.5", "1", "2"}, narrow.labels());
        assertEquals("2e-6", Axis.logLabel(2e-6));
    }

    @Test
    void autoScaleTurnsLogWhenValuesSpanMoreThanOneAndAHalfDecades() {
        LineChart decades = chart(new double[] {10, 3, 1, 0.3, 0.1}); // ratio 100
        LineChart narrow = chart(new double[] {1, 0.8, 0.6, 0.5}); // ratio 2
        LineChart negative = chart(new double[] {10, 1, 0.1, -0.01});
        assertTrue(Frame.fit(decades, 0, 0, 500, 300, 5).y.log());
        assertFalse(Frame.fit(narrow, 0, 0, 500, 300, 5).y.log());
        assertFalse(Frame.fit(negative, 0, 0, 500, 300, 5).y.log(), "a non-positive value forbids log");
    }

    private static LineChart chart(double[] y) {
        double[] x = new double[y.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = i;
        }
        return new LineChart("t", "step", "loss", List.of(new LineChart.Series("s", x, y, "#112233", false)),
                List.of(), LineChart.Scale.AUTO);
    }
}
