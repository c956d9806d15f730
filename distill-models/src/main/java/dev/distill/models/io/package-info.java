/**
 * Hugging Face model directories: {@link dev.distill.models.io.HfDirectory} reads and writes
 * {@code config.json}, {@code model.safetensors}, {@code tokenizer.json} and the
 * sentence-transformers pooling files; {@link dev.distill.models.io.HfConfig} is the
 * {@code config.json} model. ONNX import is in {@code dev.distill.models.io.onnx}.
 */
package dev.distill.models.io;
