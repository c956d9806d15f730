package dev.distill.examples.report;

/**
 * Exponential moving average with bias correction, the smoothing TensorBoard applies to
 * scalar curves:
 *
 * <pre>
 *   m_k = w * m_{k-1} + (1 - w) * y_k,   m_0 = 0
 *   s_k = m_k / (1 - w^k)
 * </pre>
 *
 * over the finite values only (k counts them). Without the division the first points would
 * be pulled towards 0; with it, s_1 = y_1 and every s_k is a weighted mean of y_1..y_k.
 */
public final class Smoothing {

    private Smoothing() {}

    /**
     * The weight used for a curve of {@code n} points: {@code w = 1 - 25 / n}, so the average
     * reaches back about n/25 points (4 % of the run), and no smoothing below 25 points.
     */
    public static double defaultWeight(int n) {
        return n <= 25 ? 0 : 1 - 25.0 / n;
    }

    /**
     * The smoothed curve, as long as {@code y}; NaN where {@code y} is not finite.
     *
     * @param weight w in [0, 1): 0 returns the values unchanged
     */
    public static double[] ema(double[] y, double weight) {
        if (!(weight >= 0 && weight < 1)) {
            throw new IllegalArgumentException("smoothing weight " + weight + " is outside [0, 1); 0 means no"
                    + " smoothing, 0.9 averages about the last 10 points");
        }
        double[] out = new double[y.length];
        double m = 0;
        double wk = 1; // w^k
        for (int i = 0; i < y.length; i++) {
            if (!Double.isFinite(y[i])) {
                out[i] = Double.NaN;
                continue;
            }
            m = weight * m + (1 - weight) * y[i];
            wk *= weight;
            out[i] = weight == 0 ? y[i] : m / (1 - wk);
        }
        return out;
    }
}
