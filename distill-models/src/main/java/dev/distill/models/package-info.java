/**
 * Loading a model by name or path: {@link dev.distill.models.ModelLoader#load} takes a known name
 * ({@link dev.distill.models.KnownModel}: bge-small-en-v1.5, all-MiniLM-L6-v2, from Maven jars), a
 * Hugging Face directory or a BERT-family ONNX file, and returns a
 * {@link dev.distill.models.LoadedModel}: the encoder, its tokenizer and its pooling.
 */
package dev.distill.models;
