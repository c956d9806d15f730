package dev.distill.core;

/**
 * The sizes of an encoder that losses and the trainer need to know ahead of the first batch,
 * e.g. to create a projection from the student's width to the teacher's.
 *
 * @param numLayers Transformer layers L
 * @param hiddenSize hidden width H
 * @param numHeads attention heads A
 * @param headSize width d of one head (A·d need not equal H)
 * @param vocabSize vocabulary size V
 */
public record ModelDims(int numLayers, int hiddenSize, int numHeads, int headSize, int vocabSize) {
    /**
     * Checks every size is positive.
     *
     * @param numLayers L
     * @param hiddenSize H
     * @param numHeads A
     * @param headSize d
     * @param vocabSize V
     * @throws IllegalArgumentException naming the first size that is not positive
     */
    public ModelDims {
        check("numLayers", numLayers);
        check("hiddenSize", hiddenSize);
        check("numHeads", numHeads);
        check("headSize", headSize);
        check("vocabSize", vocabSize);
    }

    private static void check(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " (" + value + ") must be positive");
        }
    }
}
