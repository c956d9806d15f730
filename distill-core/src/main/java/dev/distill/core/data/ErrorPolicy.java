package dev.distill.core.data;

/** What a reader does with a record it cannot use. */
public enum ErrorPolicy {
    /** Throw a {@link DataException} naming the file, the record and the reason (the default). */
    FAIL,
    /** Leave the record out, count it, and report the count through {@link RecordStream#skipped()}. */
    SKIP
}
