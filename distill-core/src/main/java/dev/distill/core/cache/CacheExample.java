package dev.distill.core.cache;

import java.util.Objects;

/**
 * One example as the teacher sees it when the cache is built, and the positions whose outputs
 * are kept (e.g. the masked-LM positions, or every real token).
 *
 * @param inputIds the ids fed to the teacher, masking applied, unpadded
 * @param typeIds token types, same length
 * @param positions kept positions, strictly ascending, each in [0, inputIds.length)
 */
public record CacheExample(long[] inputIds, long[] typeIds, int[] positions) {

    /**
     * Checks the lengths and positions; null type ids become zeros.
     *
     * @param inputIds the ids fed to the teacher, at most 65535
     * @param typeIds token types, same length, or null for all 0
     * @param positions kept positions, strictly ascending, each in [0, inputIds.length)
     * @throws NullPointerException if {@code inputIds} or {@code positions} is null
     * @throws IllegalArgumentException if a length or position breaks these rules
     */
    public CacheExample {
        Objects.requireNonNull(inputIds, "inputIds");
        Objects.requireNonNull(positions, "positions");
        if (typeIds == null) {
            typeIds = new long[inputIds.length];
        }
        if (typeIds.length != inputIds.length) {
            throw new IllegalArgumentException("typeIds length " + typeIds.length + " must equal inputIds length "
                    + inputIds.length);
        }
        if (inputIds.length > 65535) {
            throw new IllegalArgumentException("an example of " + inputIds.length + " tokens is longer than the"
                    + " cache's limit of 65535");
        }
        for (int i = 0; i < positions.length; i++) {
            if (positions[i] < 0 || positions[i] >= inputIds.length || (i > 0 && positions[i] <= positions[i - 1])) {
                throw new IllegalArgumentException("kept positions must be strictly ascending within [0, "
                        + inputIds.length + "), got " + java.util.Arrays.toString(positions));
            }
        }
    }
}
