package dev.distill.examples.common;

import ai.djl.ndarray.types.DataType;
import dev.distill.models.train.EncoderTeacher;
import picocli.CommandLine;

/**
 * Reads {@code --teacher-precision fp32|fp16} ({@link EncoderTeacher#precision}) while the command
 * line is parsed, so a bad value (bf16 included, with the reason) is refused before anything
 * loads.
 */
public final class TeacherPrecision implements CommandLine.ITypeConverter<DataType> {

    @Override
    public DataType convert(String value) {
        try {
            return EncoderTeacher.precision(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
