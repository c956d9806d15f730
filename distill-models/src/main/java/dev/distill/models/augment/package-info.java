/**
 * TinyBERT's data augmentation ({@link dev.distill.models.augment.TinyBertAugmenter}): word
 * replacement by the teacher MLM's candidates (single-piece words) or by nearest neighbours in
 * the teacher's word-embedding space (multi-piece words; the paper's GloVe is not available).
 */
package dev.distill.models.augment;
