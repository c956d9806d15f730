package dev.distill.core.data;

import java.util.Objects;

/**
 * One example as text: a sentence (or document), an optional second text for pair tasks, and an
 * optional label kept as written (a class name, a score); {@code origin} says where it came from
 * ({@code file:line}) so later stages can name it in errors.
 *
 * @param text the (first) text, never null
 * @param pair the second text of a pair, or {@code null}
 * @param label the label as written in the source, or {@code null}
 * @param origin where the example was read, e.g. {@code data/train.tsv:42}
 */
public record TextExample(String text, String pair, String label, String origin) {

    /**
     * Checks the text.
     *
     * @param text the (first) text; not null
     * @param pair the second text, or null
     * @param label the label as written, or null
     * @param origin where it was read, or null
     * @throws NullPointerException if {@code text} is null
     */
    public TextExample {
        Objects.requireNonNull(text, "text");
    }

    /**
     * A single unlabelled text.
     *
     * @param text the text; not null
     * @return the example, without pair, label or origin
     */
    public static TextExample of(String text) {
        return new TextExample(text, null, null, null);
    }

    /** {@return whether the example has a second text} */
    public boolean isPair() {
        return pair != null;
    }

    /**
     * The label as a number (a regression target or a score); fails naming the origin.
     *
     * @return the parsed label
     * @throws IllegalArgumentException if there is no label or it is not a number
     */
    public double labelAsDouble() {
        if (label == null) {
            throw new IllegalArgumentException(where() + "has no label; choose a label column or field");
        }
        try {
            return Double.parseDouble(label.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(where() + "label '" + label + "' is not a number", e);
        }
    }

    private String where() {
        return origin == null ? "example " : origin + ": ";
    }
}
