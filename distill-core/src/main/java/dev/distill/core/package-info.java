/**
 * The contracts every other part of distill speaks: {@link dev.distill.core.ModelOutputs} (every
 * hidden state, attention scores and probabilities, per-head Q/K/V, the pooled embedding and the
 * logits of one forward pass, shapes in (B, T, H) notation), {@link dev.distill.core.ModelDims}
 * (the sizes losses check), {@link dev.distill.core.Scalars} (constants that are safe under
 * autograd on DJL's PyTorch engine; see {@code docs/djl-traps.md}) and
 * {@link dev.distill.core.Devices} (parsing {@code cpu}, {@code gpu:N}, {@code auto}).
 */
package dev.distill.core;
