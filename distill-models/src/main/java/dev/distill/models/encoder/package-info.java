/**
 * The BERT-family encoder: {@link dev.distill.models.encoder.Encoder} computes what Hugging Face
 * {@code BertModel} computes and exposes everything distillation needs through
 * {@code ModelOutputs}; {@link dev.distill.models.encoder.EncoderConfig} describes its shape
 * (presets such as TinyBERT-4); {@link dev.distill.models.encoder.Students} builds students, random
 * or copied from teacher layers. Parameters carry their Hugging Face names.
 */
package dev.distill.models.encoder;
