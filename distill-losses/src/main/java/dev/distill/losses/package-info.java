/**
 * Distillation losses, each a {@link dev.distill.core.loss.DistillationLoss} over one
 * {@link dev.distill.core.loss.StepContext}, reporting its terms by name.
 *
 * <table>
 *   <caption>The losses and where they come from</caption>
 *   <tr><th>loss</th><th>compares</th><th>source</th></tr>
 *   <tr><td>{@link dev.distill.losses.SoftTargetLoss}</td><td>logits, softmax(z/T), KL or cross-entropy form,
 *       classes / vocabulary / span positions</td><td>Hinton et al. 2015; DistilBERT (Sanh et al. 2019)</td></tr>
 *   <tr><td>{@link dev.distill.losses.TopKSoftTargetLoss}</td><td>the teacher's top-k ids and probabilities
 *       ({@link dev.distill.losses.TopKTargets}) vs full student logits</td><td>truncated softmax over a teacher-output cache
 *       (the {@code ./distill mlm} example)</td></tr>
 *   <tr><td>{@link dev.distill.losses.HardLabelLoss}</td><td>student vs ground truth: class, masked-LM, span
 *       cross-entropy; regression MSE</td><td>the "student loss" S of α·S + β·D
 *       (Hinton et al. 2015); DistilBERT's L_mlm</td></tr>
 *   <tr><td>{@link dev.distill.losses.HiddenStateLoss}</td><td>hidden states / embeddings / pooled: MSE, L1,
 *       cosine, through a learnable {@link dev.distill.losses.Projection} W</td><td>TinyBERT (Jiao et al. 2020);
 *       DistilBERT cosine; L1 as in block-level distillation (the {@code ./distill block} example)</td></tr>
 *   <tr><td>{@link dev.distill.losses.AttentionLoss}</td><td>pre-softmax attention scores (or probabilities),
 *       head by head</td><td>TinyBERT</td></tr>
 *   <tr><td>{@link dev.distill.losses.MiniLmRelationLoss}</td><td>attention / value relations (v1), Q-Q, K-K, V-V
 *       relations with R relation heads (v2)</td><td>MiniLM (Wang et al. 2020, 2021)</td></tr>
 *   <tr><td>{@link dev.distill.losses.SimilarityMatrixLoss}</td><td>in-batch cosine-similarity matrices of the
 *       pooled sentence embeddings (B, B)</td><td>Tung and Mori 2019; Park et al. 2019</td></tr>
 *   <tr><td>{@link dev.distill.losses.WeightedSumLoss}</td><td>Σ w_i·L_i with every term reported</td>
 *       <td>α·S + β·D (Hinton et al. 2015); DistilBERT 5·L_ce + 2·L_mlm + 1·L_cos</td></tr>
 * </table>
 *
 * <p>Conventions shared by all losses: teacher arrays are detached; padding comes from the
 * batch's attention mask, never from values; a mean over an empty selection is 0, not NaN; losses
 * over several layer pairs are sums over the pairs chosen by a
 * {@link dev.distill.losses.mapping.LayerMapping}; results keep the activations' dtype.
 * Trainable parts (projections) are created in {@code initialize} and returned by
 * {@code trainableParameters()}, so the trainer optimises and checkpoints them with the student.
 *
 * <p>Golden values: {@code src/test/python/make_loss_fixtures.py} computes every loss and its
 * gradients with PyTorch into {@code src/test/resources/fixtures}.
 */
package dev.distill.losses;
