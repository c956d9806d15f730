package dev.distill.core.data;

import java.util.Objects;

/**
 * One example after tokenisation, on the heap, before padding: what batching and masking need
 * without knowing the tokenizer.
 *
 * @param ids token ids including the special tokens ({@code [CLS] a [SEP]} or {@code [CLS] a
 *     [SEP] b [SEP]})
 * @param typeIds segment ids, same length (0 for the first text, 1 for the second)
 * @param wordIds for each token, the index of the word it belongs to, unique across both texts
 *     of a pair, or −1 for special tokens; pieces of one word share an index. May be {@code null}
 *     when whole-word masking is not needed (then special tokens must be marked by
 *     {@code special})
 * @param special {@code true} at special tokens ([CLS], [SEP]), which masking never touches
 * @param label the label values: none, one (a class id or a score) or two (a span's start and
 *     end token positions)
 */
public record TokenizedExample(long[] ids, long[] typeIds, int[] wordIds, boolean[] special, double[] label) {

    /**
     * Checks the lengths; null type ids become zeros and a null label an empty one.
     *
     * @param ids token ids; not null
     * @param typeIds segment ids, or null for all 0
     * @param wordIds word index per token, or null
     * @param special special-token flags; not null
     * @param label the label values, or null for none
     * @throws NullPointerException if {@code ids} or {@code special} is null
     * @throws IllegalArgumentException if the arrays differ in length
     */
    public TokenizedExample {
        Objects.requireNonNull(ids, "ids");
        Objects.requireNonNull(special, "special");
        if (typeIds == null) {
            typeIds = new long[ids.length];
        }
        if (label == null) {
            label = new double[0];
        }
        if (typeIds.length != ids.length || special.length != ids.length
                || (wordIds != null && wordIds.length != ids.length)) {
            throw new IllegalArgumentException("token arrays differ in length: ids " + ids.length + ", typeIds "
                    + typeIds.length + ", special " + special.length + ", wordIds "
                    + (wordIds == null ? "null" : wordIds.length));
        }
    }

    /**
     * Number of tokens, special tokens included.
     *
     * @return the length of {@code ids}
     */
    public int length() {
        return ids.length;
    }

    /**
     * The same tokens with another single label value (a class id or a score).
     *
     * @param value the label
     * @return a new example sharing the token arrays
     */
    public TokenizedExample withLabel(double value) {
        return new TokenizedExample(ids, typeIds, wordIds, special, new double[] {value});
    }
}
