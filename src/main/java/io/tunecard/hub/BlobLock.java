package io.tunecard.hub;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * One download of a blob at a time, across threads and processes: a lock held on {@code
 * .locks/<repo folder>/<etag>.lock}, the file {@code huggingface_hub} locks for the same blob. A
 * JVM cannot hold two file locks on one file, so threads of one process queue on a lock object
 * first. The operating system drops the file lock of a process that dies, so a killed pull never
 * leaves a stale lock behind.
 *
 * <p>Java's file locks are POSIX record locks; Python's {@code filelock} uses {@code flock}, and on
 * Linux the two do not see each other. A tunecard pull and a {@code huggingface_hub} download of
 * the same blob at the same moment are still safe: each writes a file of its own and moves it into
 * place only once its content is verified.
 */
final class BlobLock implements AutoCloseable {
  private static final ConcurrentHashMap<Path, ReentrantLock> IN_PROCESS =
      new ConcurrentHashMap<>();

  private final ReentrantLock threads;
  private final FileChannel channel;
  private final FileLock lock;

  private BlobLock(ReentrantLock threads, FileChannel channel, FileLock lock) {
    this.threads = threads;
    this.channel = channel;
    this.lock = lock;
  }

  /** Waits for the lock, saying so through {@code notes} when another holder makes it wait. */
  static BlobLock acquire(Path file, String what, Consumer<String> notes) throws IOException {
    Path key = file.toAbsolutePath().normalize();
    ReentrantLock threads = IN_PROCESS.computeIfAbsent(key, k -> new ReentrantLock());
    if (!threads.tryLock()) {
      notes.accept("  " + what + ": another download of it in this process; waiting");
      threads.lock();
    }
    FileChannel channel = null;
    try {
      Files.createDirectories(key.getParent());
      channel = FileChannel.open(key, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock = channel.tryLock();
      if (lock == null) {
        notes.accept("  " + what + ": another process is downloading it (" + key + "); waiting");
        lock = waitFor(channel, key);
      }
      return new BlobLock(threads, channel, lock);
    } catch (IOException | RuntimeException e) {
      if (channel != null) {
        channel.close();
      }
      threads.unlock();
      throw e;
    }
  }

  /**
   * Polls instead of blocking: Java's file locks belong to the process, not the thread, so when two
   * pulls each hold one blob's lock while another of their threads waits for the other's, the
   * kernel sees a cycle in a blocking wait and refuses it with EDEADLK ("Resource deadlock
   * avoided"), although each holder is downloading and will let go. A non-blocking try is never
   * refused that way.
   */
  private static FileLock waitFor(FileChannel channel, Path key) throws IOException {
    long pauseMillis = 5;
    while (true) {
      FileLock lock = channel.tryLock();
      if (lock != null) {
        return lock;
      }
      try {
        Thread.sleep(pauseMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while waiting for " + key);
      }
      pauseMillis = Math.min(pauseMillis * 2, 200);
    }
  }

  @Override
  public void close() throws IOException {
    try {
      lock.release();
      channel.close();
    } finally {
      threads.unlock();
    }
  }
}
