package dev.distill.spark;

import dev.distill.core.cache.CacheExample;
import java.io.Serializable;

/**
 * An example with its stable id (its position in the input), as Spark moves it between stages.
 */
final class IndexedExample implements Serializable {

    private static final long serialVersionUID = 1L;

    final long index;
    final long[] inputIds;
    final long[] typeIds;
    final int[] positions;

    IndexedExample(long index, CacheExample e) {
        this.index = index;
        this.inputIds = e.inputIds();
        this.typeIds = e.typeIds();
        this.positions = e.positions();
    }

    CacheExample toCacheExample() {
        return new CacheExample(inputIds, typeIds, positions);
    }
}
