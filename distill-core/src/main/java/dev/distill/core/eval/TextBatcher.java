package dev.distill.core.eval;

import ai.djl.ndarray.NDManager;
import dev.distill.core.data.TokenBatch;
import java.util.List;

/**
 * Tokenises texts into one padded batch, e.g. {@code textTokenizer::batch} from
 * {@code distill-models}.
 */
@FunctionalInterface
public interface TextBatcher {
    /**
     * Tokenises and pads the texts.
     *
     * @param texts the texts, one row each
     * @param manager the owner of the batch's arrays (and their device)
     * @return a (B, T) batch without labels, B = {@code texts.size()}
     */
    TokenBatch batch(List<String> texts, NDManager manager);
}
