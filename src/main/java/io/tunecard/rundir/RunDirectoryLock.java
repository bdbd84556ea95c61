package io.tunecard.rundir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one lock of a run directory ({@code <run>/.lock}), held by every command that writes into it
 * ({@code run}, {@code ingest}, {@code train}, {@code evaluate}, {@code publish}) for as long as it
 * runs, so that two of them never write one run at once.
 *
 * <p>It is an OS file lock, which the kernel releases when its process ends however it ends, and
 * the file names its holder: pid, host, command, and the start time of the process (a reused pid is
 * not mistaken for the holder). A holder that ended without releasing (killed with SIGKILL, its
 * machine lost) left its name in the file: the next command on the same host finds that process
 * gone and takes over, saying so; a holder on another host cannot be checked from here, so the
 * message says which file to delete once that run is known to be gone. Whoever takes the lock
 * removes what dead runs left half-written: staging folders and temporary files ({@code
 * .dataset.tmp-<uuid>/}, {@code .metrics.json.tmp-<uuid>}, the worker's {@code
 * .tmp-step-<N>-<pid>}). The file stays in place on release (deleting lock files races with the
 * next holder); it is emptied.
 */
public final class RunDirectoryLock implements AutoCloseable {
  public static final String FILE = ".lock";

  private static final Set<Path> HELD_HERE = ConcurrentHashMap.newKeySet();

  private final Path file;
  private final FileChannel channel;
  private final FileLock lock;
  private final Holder previous;
  private final List<String> removed;

  private RunDirectoryLock(
      Path file, FileChannel channel, FileLock lock, Holder previous, List<String> removed) {
    this.file = file;
    this.channel = channel;
    this.lock = lock;
    this.previous = previous;
    this.removed = List.copyOf(removed);
  }

  /** Who holds (or held) a run directory. */
  public record Holder(long pid, String host, String command, String since, String started) {
    String describe() {
      return "tunecard "
          + command
          + " (pid "
          + pid
          + " on host "
          + host
          + (since == null ? "" : ", since " + since)
          + ")";
    }

    /** Whether this process still runs here: same host, same pid, same start time. */
    boolean aliveHere() {
      if (!host.equals(thisHost())) {
        return false;
      }
      Optional<ProcessHandle> p = ProcessHandle.of(pid);
      if (p.isEmpty() || !p.get().isAlive()) {
        return false;
      }
      Optional<Instant> start = p.get().info().startInstant();
      if (started == null || start.isEmpty()) {
        return true;
      }
      return Duration.between(Instant.parse(started), start.get()).abs().getSeconds() < 2;
    }
  }

  /** Refusal: another command writes this run directory. Bad input: pick another or wait. */
  public static final class LockedException extends BadInputException {
    private static final long serialVersionUID = 1L;

    public LockedException(String message) {
      super(message);
    }
  }

  /**
   * Takes the lock of {@code run} for {@code command}, or fails at once.
   *
   * @throws LockedException naming the holder and the run directory
   */
  public static RunDirectoryLock acquire(RunDirectory run, String command) {
    Path file = run.root().resolve(FILE);
    if (!HELD_HERE.add(file)) {
      throw new LockedException(
          run.root()
              + " is in use: another command of this process (pid "
              + ProcessHandle.current().pid()
              + ") is writing it");
    }
    FileChannel channel = null;
    try {
      Files.createDirectories(run.root());
      channel =
          FileChannel.open(
              file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      FileLock lock = tryLock(channel, false);
      Holder recorded = read(file);
      if (lock == null) {
        throw new LockedException(
            run.root()
                + " is in use: "
                + (recorded == null ? "another process" : recorded.describe())
                + " is writing it; wait for it to end or stop it");
      }
      if (recorded != null && !recorded.host().equals(thisHost())) {
        throw new LockedException(
            run.root()
                + " was locked by "
                + recorded.describe()
                + ", which cannot be checked from host "
                + thisHost()
                + "; once that run is known to be gone, delete "
                + file);
      }
      if (recorded != null && recorded.aliveHere() && recorded.pid() != self()) {
        throw new LockedException(
            run.root()
                + " is in use: "
                + recorded.describe()
                + " is writing it (its file system ignores file locks)");
      }
      write(channel, command);
      List<String> removed = Leftovers.remove(run.root());
      return new RunDirectoryLock(file, channel, lock, recorded, removed);
    } catch (IOException e) {
      close(channel);
      HELD_HERE.remove(file);
      throw new UncheckedIOException("cannot lock " + file + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      close(channel);
      HELD_HERE.remove(file);
      throw e;
    }
  }

  /** The live holder of {@code run}'s lock, if any (what {@code verify} waits for). */
  public static Optional<Holder> holder(RunDirectory run) {
    Path file = run.root().resolve(FILE);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    Holder recorded = read(file);
    if (HELD_HERE.contains(file)) {
      return Optional.ofNullable(recorded);
    }
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      FileLock lock = tryLock(channel, true);
      if (lock == null) {
        return Optional.ofNullable(recorded);
      }
      lock.release();
      return recorded != null && recorded.aliveHere() ? Optional.of(recorded) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** The holder found dead and taken over, or null. */
  public Holder previous() {
    return previous;
  }

  /** Leftovers of interrupted writes removed on taking the lock, relative to the run. */
  public List<String> removed() {
    return removed;
  }

  /** What taking the lock found, in one line for the console; null when there is nothing to say. */
  public String note() {
    List<String> parts = new ArrayList<>();
    if (previous != null) {
      parts.add("took over the lock of " + previous.describe() + ", which is no longer running");
    }
    if (!removed.isEmpty()) {
      parts.add(
          "removed "
              + removed.size()
              + " leftover(s) of an interrupted write: "
              + String.join(", ", removed));
    }
    return parts.isEmpty() ? null : String.join("; ", parts);
  }

  @Override
  public void close() {
    try {
      channel.truncate(0);
      lock.release();
      channel.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot release " + file, e);
    } finally {
      HELD_HERE.remove(file);
    }
  }

  private static FileLock tryLock(FileChannel channel, boolean shared) throws IOException {
    try {
      return channel.tryLock(0, Long.MAX_VALUE, shared);
    } catch (OverlappingFileLockException e) {
      return null;
    }
  }

  private static void write(FileChannel channel, String command) throws IOException {
    ObjectNode o = Jsonl.MAPPER.createObjectNode();
    o.put("pid", self());
    o.put("host", thisHost());
    o.put("command", command);
    o.put("since", Instant.now().toString());
    ProcessHandle.current().info().startInstant().ifPresent(i -> o.put("started", i.toString()));
    byte[] bytes = (Jsonl.write(o) + "\n").getBytes(StandardCharsets.UTF_8);
    channel.truncate(0);
    channel.write(ByteBuffer.wrap(bytes), 0);
    channel.force(false);
  }

  /** The holder the file names, or null when it is empty or unreadable. */
  private static Holder read(Path file) {
    try {
      String text = Files.readString(file, StandardCharsets.UTF_8).strip();
      if (text.isEmpty()) {
        return null;
      }
      JsonNode n = Jsonl.MAPPER.readTree(text);
      if (!n.path("pid").canConvertToLong() || !n.path("host").isTextual()) {
        return null;
      }
      return new Holder(
          n.path("pid").asLong(),
          n.path("host").asText(),
          n.path("command").asText("?"),
          n.path("since").asText(null),
          n.path("started").asText(null));
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static long self() {
    return ProcessHandle.current().pid();
  }

  private static void close(FileChannel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // The lock goes with the channel.
      }
    }
  }

  /** This machine's name: the kernel's, else the resolver's (which may consult DNS). */
  static String thisHost() {
    try {
      Path kernel = Path.of("/proc/sys/kernel/hostname");
      if (Files.isReadable(kernel)) {
        String name = Files.readString(kernel).strip();
        if (!name.isEmpty()) {
          return name;
        }
      }
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown";
    }
  }
}
