package io.tunecard.rundir;

import java.nio.file.Path;

/**
 * Holds a {@link RunDirectoryLock} in another process for {@link RunDirectoryLockTest}: {@code part
 * FILE} takes the lock FILE of a training, {@code run DIR} the lock of the run directory DIR for
 * {@code ingest}; prints "locked", waits.
 */
public final class LockHolder {
  private LockHolder() {}

  public static void main(String[] args) throws Exception {
    try (RunDirectoryLock lock =
        args[0].equals("run")
            ? RunDirectoryLock.acquire(new RunDirectory(Path.of(args[1])), "ingest")
            : RunDirectoryLock.acquire(Path.of(args[1]), "training")) {
      System.out.println("locked");
      System.out.flush();
      Thread.sleep(30_000);
    }
  }
}
