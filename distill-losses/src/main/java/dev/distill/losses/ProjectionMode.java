package dev.distill.losses;

/** When a hidden-state loss creates its learnable projection W (see {@link Projection}). */
public enum ProjectionMode {
    /** Only when the student's hidden width differs from the teacher's (the default). */
    AUTO,
    /** Always, even for equal widths (TinyBERT's W is then a learnable square map). */
    ALWAYS,
    /** Never; unequal widths are an error. */
    NEVER
}
