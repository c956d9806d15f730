/**
 * Evaluation during and after training: an {@link dev.distill.core.eval.Evaluator} scores a
 * student into an {@link dev.distill.core.eval.Evaluation} (named metrics, one of them primary,
 * with its direction). {@link dev.distill.core.eval.Evaluators} provides accuracy, span F1 and
 * exact match, masked-LM perplexity and STS Spearman; {@link dev.distill.core.eval.StsEvaluator}
 * and {@link dev.distill.core.eval.Correlation} compute the STS scores (×100, as SentEval and MTEB
 * report them).
 */
package dev.distill.core.eval;
