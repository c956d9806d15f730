package dev.distill.spark;

import java.io.Serializable;

/**
 * A loaded teacher's identity and shape, computed on an executor and sent to the driver, which
 * needs it for the fingerprint and the cache layout but never loads the teacher itself.
 *
 * @param weightsHash SHA-256 of the teacher's weights, head included ({@code MlmTeacher.weightsHash})
 * @param tokenizerHash SHA-256 of its {@code tokenizer.json}
 * @param vocabSize V, the width of its logits
 * @param hiddenSize H, the width of its hidden states
 * @param numLayers its layers (hidden states 0..numLayers)
 * @param padId the id padding batches
 * @param maxLength the truncation length of its inputs
 * @param maskingSeed the masking seed (−1 when inputs are not masked)
 * @param device where it runs, in words
 */
public record TeacherInfo(String weightsHash, String tokenizerHash, int vocabSize, int hiddenSize, int numLayers,
        long padId, int maxLength, long maskingSeed, String device) implements Serializable {}
