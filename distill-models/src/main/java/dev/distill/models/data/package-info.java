/**
 * The tokenizer side of the data pipeline: {@link dev.distill.models.data.TextPipeline} turns
 * text examples (single or pairs) into {@code TokenizedExample}s with word ids and labels;
 * {@link dev.distill.models.data.SquadWindows} turns SQuAD questions into overlapping windows
 * with answer spans in token positions.
 */
package dev.distill.models.data;
