/**
 * From files to batches, without a tokenizer.
 *
 * <ul>
 *   <li><b>Readers</b>, streaming ({@link dev.distill.core.data.RecordStream}: iterate, then close):
 *       {@link dev.distill.core.data.TextLines}, {@link dev.distill.core.data.JsonLines},
 *       {@link dev.distill.core.data.DelimitedFile} (TSV/CSV with a header, columns by name),
 *       {@link dev.distill.core.data.FolderCorpus} (one folder per label),
 *       {@link dev.distill.core.data.SquadReader} (SQuAD v1.1, offsets checked), and the
 *       Maven-fetched sets: {@link dev.distill.core.data.StsData},
 *       {@link dev.distill.core.data.Newsgroups}, {@link dev.distill.core.data.WordNetText}.
 *       Every bad record is a {@link dev.distill.core.data.DataException}
 *       ({@code file:record: reason}) under {@link dev.distill.core.data.ErrorPolicy#FAIL}, or
 *       counted in {@code skipped()} under {@code SKIP}.
 *   <li><b>Batches</b>: {@link dev.distill.core.data.TokenizedExample}s (made by
 *       {@code dev.distill.models.data.TextPipeline}) are grouped by
 *       {@link dev.distill.core.data.BucketBatcher} (seeded shuffle, length buckets, a
 *       {@link dev.distill.core.data.DataCursor} to resume exactly) and padded by
 *       {@link dev.distill.core.data.Collator} to the longest of each batch.
 *   <li><b>Masking</b>: {@link dev.distill.core.data.MlmMasker}, BERT's 15% with 80/10/10,
 *       whole-word option, reproducible from (seed, epoch, example).
 *   <li><b>Data-free inputs</b>: {@link dev.distill.core.data.GaussianInputs}, Gaussian hidden
 *       states for block-level distillation.
 * </ul>
 *
 * <pre>{@code
 * List<TokenizedExample> data = TextPipeline.unlabelled(tokenizer)
 *         .tokenizeAll(WordNetText.open(WordNetText.Kind.BOTH, ErrorPolicy.SKIP));
 * BucketBatcher batcher = new BucketBatcher(data.stream().mapToInt(TokenizedExample::length).toArray(),
 *         32, 50, false, seed);
 * MlmMasker masker = MlmMasker.builder(tokenizer.tokenId("[MASK]"), 30522).optSeed(seed).build();
 * BucketBatcher.Batches it = batcher.iterator(checkpoint == null ? DataCursor.START : checkpoint.cursor());
 * int[] rows = it.next();                       // it.cursor() goes into the next checkpoint
 * TokenBatch batch = new Collator(0).collateMasked(pick(data, rows), maskAll(masker, rows, epoch), manager);
 * }</pre>
 */
package dev.distill.core.data;
