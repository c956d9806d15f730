package dev.distill.core.cache;

/**
 * IEEE 754 binary16 ("half") conversion, which Java 17 lacks ({@code Float.floatToFloat16} came
 * in Java 20). Rounding is to nearest, ties to even, as in hardware conversions and PyTorch's
 * {@code tensor.half()}; overflow gives ±∞, values below half the smallest subnormal (2⁻²⁵) give
 * ±0, NaN stays NaN. Relative rounding error of a normal value is at most 2⁻¹¹ ≈ 4.9·10⁻⁴.
 */
public final class Fp16 {

    private Fp16() {}

    /**
     * The binary16 bits nearest to {@code f}.
     *
     * @param f any float
     * @return the bits, round to nearest even
     */
    public static short fromFloat(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xff;
        int mant = bits & 0x7fffff;
        if (exp == 0xff) { // ∞ or NaN (keep NaNs quiet and non-zero)
            return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 | (mant >>> 13) : 0));
        }
        int e = exp - 127 + 15;
        if (e >= 0x1f) {
            return (short) (sign | 0x7c00);
        }
        if (e <= 0) { // subnormal half (or zero): value = m · 2^-24
            if (e < -10) {
                return (short) sign;
            }
            int m = mant | 0x800000;
            int shift = 14 - e;
            int half = m >>> shift;
            int rem = m & ((1 << shift) - 1);
            int halfway = 1 << (shift - 1);
            if (rem > halfway || (rem == halfway && (half & 1) == 1)) {
                half++; // may carry into the smallest normal, which is the right answer
            }
            return (short) (sign | half);
        }
        int half = (e << 10) | (mant >>> 13);
        int rem = mant & 0x1fff;
        if (rem > 0x1000 || (rem == 0x1000 && (half & 1) == 1)) {
            half++; // a carry into the exponent is correct, up to ∞
        }
        return (short) (sign | half);
    }

    /**
     * The float value of binary16 bits (exact: every half is a float).
     *
     * @param half binary16 bits
     * @return the value
     */
    public static float toFloat(short half) {
        int h = half & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f;
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }
}
