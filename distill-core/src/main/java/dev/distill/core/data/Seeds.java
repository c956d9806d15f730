package dev.distill.core.data;

import java.util.SplittableRandom;

/**
 * Derives independent random streams from a seed and coordinates (epoch, example), so that what
 * happens to an example depends only on those numbers, never on batch order or thread timing.
 */
public final class Seeds {

    private Seeds() {}

    /**
     * A generator determined by {@code seed} and the given coordinates.
     *
     * @param seed the run's seed
     * @param coordinates e.g. (epoch, example index); each coordinate changes the stream
     * @return a new generator; the same arguments always give the same stream
     */
    public static SplittableRandom random(long seed, long... coordinates) {
        long h = mix(seed + 0x9E3779B97F4A7C15L);
        for (long c : coordinates) {
            h = mix(h ^ mix(c + 0x632BE59BD9B4E019L));
        }
        return new SplittableRandom(h);
    }

    /** Stafford's variant 13 of the MurmurHash3 finaliser (the SplittableRandom mixer). */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * A standard normal draw (Box–Muller; Java 17's SplittableRandom has no nextGaussian).
     *
     * @param r the generator; two uniform draws are taken from it
     * @return a draw from N(0, 1)
     */
    public static double gaussian(SplittableRandom r) {
        double u1 = 1.0 - r.nextDouble();
        double u2 = r.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
}
