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
    TokenBatch batch(List<String> texts, NDManager manager);
}
