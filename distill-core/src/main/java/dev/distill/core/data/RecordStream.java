package dev.distill.core.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A single pass over the records of a source that may be larger than memory. Iterate it, then
 * {@link #close()} it (try-with-resources). Under {@link ErrorPolicy#SKIP} the records that could
 * not be used are counted in {@link #skipped()} and the first few reasons kept in
 * {@link #skippedReasons()}; under {@link ErrorPolicy#FAIL} the first one throws a
 * {@link DataException}.
 *
 * <p>Subclasses implement {@link #readNext()}, returning {@code null} at the end and calling
 * {@link #refuse(DataException)} for a bad record.
 *
 * @param <T> the record type
 */
public abstract class RecordStream<T> implements Iterator<T>, AutoCloseable {

    /** How many skip reasons are kept for the report. */
    public static final int KEPT_REASONS = 20;

    private final ErrorPolicy policy;
    private final List<String> reasons = new ArrayList<>();
    private long skipped;
    private T next;
    private boolean done;
    private boolean closed;

    /**
     * Starts a stream.
     *
     * @param policy what a bad record does; null means {@link ErrorPolicy#FAIL}
     */
    protected RecordStream(ErrorPolicy policy) {
        this.policy = policy == null ? ErrorPolicy.FAIL : policy;
    }

    /**
     * The next good record, or {@code null} when the source is exhausted.
     *
     * @return the record, or null at the end
     */
    protected abstract T readNext();

    /** Releases the underlying file. Called once by {@link #close()}. */
    protected abstract void closeSource();

    /**
     * Applies the policy to a bad record: throws under FAIL, counts it under SKIP.
     *
     * @param e the error, naming the file and record
     * @throws DataException {@code e} itself, under FAIL
     */
    protected final void refuse(DataException e) {
        if (policy == ErrorPolicy.FAIL) {
            throw e;
        }
        skipped++;
        if (reasons.size() < KEPT_REASONS) {
            reasons.add(e.getMessage());
        }
    }

    /** {@return what a bad record does in this stream} */
    public final ErrorPolicy policy() {
        return policy;
    }

    /** {@return records left out so far under {@link ErrorPolicy#SKIP}} */
    public final long skipped() {
        return skipped;
    }

    /**
     * The first {@value #KEPT_REASONS} skip messages, each naming the file, the record and the reason.
     *
     * @return an unmodifiable view of at most {@value #KEPT_REASONS} messages
     */
    public final List<String> skippedReasons() {
        return Collections.unmodifiableList(reasons);
    }

    @Override
    public final boolean hasNext() {
        if (next == null && !done) {
            next = readNext();
            if (next == null) {
                done = true;
            }
        }
        return next != null;
    }

    @Override
    public final T next() {
        if (!hasNext()) {
            throw new NoSuchElementException("no more records");
        }
        T t = next;
        next = null;
        return t;
    }

    /**
     * The rest of the records as a sequential stream; closing the stream closes this.
     *
     * @return a stream over the remaining records
     */
    public final Stream<T> stream() {
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(this, Spliterator.ORDERED), false)
                .onClose(this::close);
    }

    /**
     * Reads every remaining record into a list and closes the stream.
     *
     * @return a new list
     * @throws DataException at the first bad record under FAIL
     */
    public final List<T> toList() {
        try (this) {
            List<T> out = new ArrayList<>();
            while (hasNext()) {
                out.add(next());
            }
            return out;
        }
    }

    @Override
    public final void close() {
        done = true;
        next = null;
        if (!closed) {
            closed = true;
            closeSource();
        }
    }

    /**
     * A stream over an in-memory list (for tests and small sources).
     *
     * @param <T> the record type
     * @param items the records; null elements end the stream early
     * @return a FAIL-policy stream over them
     */
    public static <T> RecordStream<T> of(List<T> items) {
        Iterator<T> it = items.iterator();
        return new RecordStream<>(ErrorPolicy.FAIL) {
            @Override
            protected T readNext() {
                return it.hasNext() ? it.next() : null;
            }

            @Override
            protected void closeSource() {}
        };
    }
}
