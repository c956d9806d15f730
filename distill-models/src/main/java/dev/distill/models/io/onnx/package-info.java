/**
 * ONNX import and export without a protobuf dependency.
 *
 * <p>{@link dev.distill.models.io.onnx.OnnxModel} reads a {@code .onnx} file with a small
 * wire-format reader of its own and exposes the main graph ({@link dev.distill.models.io.onnx.OnnxGraph}:
 * nodes, initializers, inputs, outputs, producer/consumer lookups).
 * {@link dev.distill.models.io.onnx.OnnxBertImporter} turns a BERT-family encoder graph exported
 * from Hugging Face {@code transformers} into an {@link dev.distill.models.io.onnx.ImportedEncoder}:
 * the inferred {@link dev.distill.models.encoder.EncoderConfig} and the weights under
 * {@code BertModel} names in PyTorch layouts.
 *
 * <pre>{@code
 * ImportedEncoder teacher = OnnxBertImporter.load(Path.of("bge-small-en-v1.5.onnx"));
 * EncoderConfig config = teacher.config();              // 12 x 384, 12 heads, FFN 1536, gelu
 * TensorData wq = teacher.tensor("encoder.layer.0.attention.self.query.weight"); // [384, 384], [out, in]
 * }</pre>
 *
 * <p>{@link dev.distill.models.io.onnx.OnnxExporter} writes an encoder back as an ONNX model
 * (opset 17; outputs {@code last_hidden_state}, {@code sentence_embedding}, head {@code logits}),
 * in float32 or with int8 dynamically quantised Linear weights, through the package's own
 * protobuf writer ({@code ProtoWriter}, {@code OnnxGraphBuilder}); see docs/deploy.md.
 *
 * <p>Test fixtures are built by {@code distill-models/src/test/python/onnx_fixture.py}.
 */
package dev.distill.models.io.onnx;
