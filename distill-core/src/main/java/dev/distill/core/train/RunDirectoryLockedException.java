package dev.distill.core.train;

import java.nio.file.Path;

/** A run directory is in use by another process (or another thread of this one); see {@link RunLock}. */
public final class RunDirectoryLockedException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final transient Path directory;

    RunDirectoryLockedException(Path directory, String holder) {
        super("run directory " + directory + " is in use by " + holder + " (lock " + directory.resolve(RunLock.FILE)
                + "); wait for that run to end, or use another directory for this one");
        this.directory = directory;
    }

    /** The directory that is locked. */
    public Path directory() {
        return directory;
    }
}
