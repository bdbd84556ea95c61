package io.tunecard.worker;

import java.nio.file.Path;

/** Holds a {@link RunLock} in another process for {@link RunLockTest}: prints "locked", waits. */
public final class LockHolder {
  private LockHolder() {}

  public static void main(String[] args) throws Exception {
    try (RunLock lock = RunLock.acquire(Path.of(args[0]), "training")) {
      System.out.println("locked");
      System.out.flush();
      Thread.sleep(30_000);
    }
  }
}
