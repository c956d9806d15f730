package dev.distill.models.io.onnx;

import java.io.IOException;

/**
 * A file that is not valid protobuf, or not a valid ONNX message: truncated, corrupt, or holding a
 * value the ONNX schema forbids. The message names the source, what was wrong and the byte offset
 * in the file where reading failed.
 */
public final class OnnxFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    /** Byte offset where reading failed. */
    private final long offset;

    /**
     * @param source the file or resource read
     * @param offset byte offset from the start of the file where the problem was found
     * @param what what was found and what was expected there
     */
    public OnnxFormatException(String source, long offset, String what) {
        super("corrupt or truncated ONNX file " + source + " at byte offset " + offset + ": " + what
                + " (re-export or re-download the model; a partial download or a file that is not"
                + " an .onnx model gives this error)");
        this.offset = offset;
    }

    /** {@return byte offset from the start of the file where reading failed} */
    public long offset() {
        return offset;
    }
}
