package dev.distill.core.data;

/**
 * A record in a data file cannot be used: the message is {@code <source>:<record>: <reason>},
 * for example {@code train.jsonl:17: field "text" is missing; every line needs a string "text"}.
 */
public final class DataException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** The file or resource. */
    private final String source;
    /** The line number or record name. */
    private final String record;
    /** Why the record was refused. */
    private final String reason;

    /**
     * @param source the file (or classpath resource) being read
     * @param record the 1-based line number, or another record name (a question id, a file name)
     * @param reason what is wrong and, where possible, how to fix it
     */
    public DataException(String source, String record, String reason) {
        super(source + ":" + record + ": " + reason);
        this.source = source;
        this.record = record;
        this.reason = reason;
    }

    /**
     * A refused line.
     *
     * @param source the file (or classpath resource) being read
     * @param line the 1-based line number
     * @param reason what is wrong and, where possible, how to fix it
     */
    public DataException(String source, long line, String reason) {
        this(source, Long.toString(line), reason);
    }

    /**
     * The file or resource.
     *
     * @return the source as given
     */
    public String source() {
        return source;
    }

    /**
     * The line number or record name.
     *
     * @return the record as given
     */
    public String record() {
        return record;
    }

    /**
     * Why the record was refused.
     *
     * @return the reason as given
     */
    public String reason() {
        return reason;
    }
}
