package dev.distill.core.train;

import java.nio.file.Path;

/** Child-JVM main for {@link RunLockTest}: takes the lock on args[0], says so, then waits to be killed. */
public final class RunLockHolder {

    private RunLockHolder() {}

    public static void main(String[] args) throws InterruptedException {
        RunLock lock = RunLock.acquire(Path.of(args[0]));
        System.out.println("locked " + ProcessHandle.current().pid());
        System.out.flush();
        Thread.sleep(600_000);
        lock.close();
    }
}
