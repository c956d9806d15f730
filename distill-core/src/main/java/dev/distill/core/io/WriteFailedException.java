package dev.distill.core.io;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;

/**
 * An {@link AtomicFiles} write that failed, e.g. on a full disk: the message names the target,
 * the cause, and that the target still holds what it held before (the new content only ever went
 * to a temporary name, which was deleted).
 */
public final class WriteFailedException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path target;
    private final String reason;
    private final boolean diskFull;

    private WriteFailedException(Path target, String reason, boolean diskFull, IOException cause) {
        super("cannot write " + target + ": " + reason + (diskFull ? " (the disk is full)" : "")
                + "; what was there before is unchanged" + (diskFull ? "; free some space and run again" : ""), cause);
        this.target = target;
        this.reason = reason;
        this.diskFull = diskFull;
    }

    /** Wraps {@code cause} for {@code target}; an inner write's failure keeps its own reason. */
    static WriteFailedException of(Path target, IOException cause) {
        String reason;
        if (cause instanceof WriteFailedException inner) {
            reason = inner.reason + " (writing " + inner.target + ")";
        } else if (cause instanceof FileSystemException fs && fs.getReason() != null) {
            reason = fs.getReason() + (fs.getFile() != null ? " (" + fs.getFile() + ")" : "");
        } else {
            reason = String.valueOf(cause.getMessage());
        }
        return new WriteFailedException(target, reason, isDiskFull(cause), cause);
    }

    /** Whether {@code e} (or its cause chain) says the device or the quota is full. */
    public static boolean isDiskFull(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof WriteFailedException w && w.diskFull) {
                return true;
            }
            String m = t.getMessage();
            if (m != null && (m.contains("No space left on device") || m.contains("Disk quota exceeded")
                    || m.contains("There is not enough space on the disk"))) {
                return true;
            }
        }
        return false;
    }

    /** The file or directory that was being written. */
    public Path target() {
        return target;
    }
}
