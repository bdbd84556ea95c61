package io.tunecard.worker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An exclusive lock on a run directory's training ({@code train/.lock}), so two trainings never run
 * for the same run at once, whether from two processes (an OS file lock) or from two threads of one
 * process (a Beam runner retrying a bundle while the first attempt still runs). The file holds the
 * holder's pid; it is left in place on release, since deleting lock files races with new holders.
 */
public final class RunLock implements AutoCloseable {
  private static final Set<Path> HELD_HERE = ConcurrentHashMap.newKeySet();

  private final Path file;
  private final FileChannel channel;
  private final FileLock lock;

  private RunLock(Path file, FileChannel channel, FileLock lock) {
    this.file = file;
    this.channel = channel;
    this.lock = lock;
  }

  /** Thrown when another training holds the lock. */
  public static final class LockedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LockedException(String message) {
      super(message);
    }
  }

  /**
   * Takes the lock or fails at once.
   *
   * @param what names the guarded work in the message, e.g. "training of runs/quickstart/default"
   * @throws LockedException naming the holder's pid
   */
  public static RunLock acquire(Path file, String what) {
    Path key = file.toAbsolutePath().normalize();
    long self = ProcessHandle.current().pid();
    if (!HELD_HERE.add(key)) {
      throw new LockedException(
          "another "
              + what
              + " is already running in this process (pid "
              + self
              + "; "
              + key
              + ")");
    }
    FileChannel channel = null;
    try {
      Files.createDirectories(key.getParent());
      channel =
          FileChannel.open(
              key, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        String holder = holder(key);
        throw new LockedException(
            "another "
                + what
                + " is running: "
                + key
                + " is locked by "
                + (holder.isEmpty() ? "another process" : "pid " + holder)
                + "; wait for it to end or stop it");
      }
      channel.truncate(0);
      channel.write(ByteBuffer.wrap((self + "\n").getBytes(StandardCharsets.UTF_8)), 0);
      channel.force(false);
      return new RunLock(key, channel, lock);
    } catch (IOException e) {
      closeQuietly(channel);
      HELD_HERE.remove(key);
      throw new UncheckedIOException("cannot lock " + key, e);
    } catch (RuntimeException e) {
      closeQuietly(channel);
      HELD_HERE.remove(key);
      throw e;
    }
  }

  private static String holder(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      return "";
    }
  }

  private static void closeQuietly(FileChannel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // The lock goes with the channel; nothing else to release.
      }
    }
  }

  public Path file() {
    return file;
  }

  @Override
  public void close() {
    try {
      lock.release();
      channel.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot release " + file, e);
    } finally {
      HELD_HERE.remove(file);
    }
  }
}
