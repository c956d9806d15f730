/**
 * Adapters between the encoder and the trainer's contracts: an encoder as a trainable student
 * ({@link dev.distill.models.train.EncoderStudent}, {@link dev.distill.models.train.MaskedLmStudent})
 * or as a frozen teacher, in float32 or float16 ({@link dev.distill.models.train.EncoderTeacher}).
 */
package dev.distill.models.train;
