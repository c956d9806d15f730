package dev.distill.examples.common;

import ai.djl.ndarray.types.DataType;
import picocli.CommandLine.Option;

/**
 * {@code --teacher-precision} of the commands that fine-tune their teacher first (classify, qa):
 * the fine-tuning runs in float32, the frozen teacher that distils in the chosen type.
 */
public final class FineTunedTeacherPrecision {

    @Option(names = "--teacher-precision", defaultValue = "fp32", paramLabel = "fp32|fp16", converter = TeacherPrecision.class,
            description = "The distilling teacher's compute type; fp16 halves its memory, faster on a GPU only "
                    + "(fine-tuning stays float32) (default: ${DEFAULT-VALUE}).")
    DataType precision;

    /** FLOAT32 or FLOAT16. */
    public DataType precision() {
        return precision;
    }
}
