/**
 * Task heads on the encoder's last hidden state, named and shaped as the matching Hugging Face
 * {@code BertFor…} classes: masked LM ({@link dev.distill.models.heads.MaskedLmHead}, (B, T, V)),
 * sequence classification or regression ({@link dev.distill.models.heads.ClassificationHead},
 * (B, C)) and span QA ({@link dev.distill.models.heads.SpanQaHead}, (B, T, 2)).
 * {@link dev.distill.models.heads.MlmHeadFitter} fits an MLM head on a frozen encoder that ships
 * without one.
 */
package dev.distill.models.heads;
