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
import java.util.concurrent.ConcurrentHashMap;

/**
 * The locks of a run directory: the whole directory's ({@code <run>/.lock}), held by every command
 * that writes into it ({@code run}, {@code ingest}, {@code train}, {@code evaluate}, {@code
 * publish}) for as long as it runs, so that two of them never write one run at once; and its
 * training's ({@code train/.lock}, {@link #training}), held while a stage is emptied for a clean
 * start and while a worker trains, so that two trainings of one run never overlap, although a
 * pipeline step on a cluster does not hold the directory's lock and a Beam runner may retry a
 * bundle while its first attempt still runs.
 *
 * <p>Either lock is refused at once, never waited for, with a message naming its holder, whether
 * that holder is another process (an OS file lock, which the kernel releases when its process ends
 * however it ends) or another thread of this one (a JVM holds one file lock per file, so a second
 * holder here is refused before the OS is asked). The file names its holder: pid, host, command,
 * and the start time of the process (a reused pid is not mistaken for the holder); it is read and
 * written only through the locked channel, since closing any other handle on the file would drop
 * the lock. A live holder found on this host by its name although the OS granted the lock is
 * refused too (its file system ignores file locks).
 *
 * <p>A holder of the directory's lock that ended without releasing (killed with SIGKILL, its
 * machine lost) left its name in the file: the next command on the same host finds that process
 * gone and takes over, saying so; a holder on another host cannot be checked from here, so the
 * message says which file to delete once that run is known to be gone. Whoever takes it removes
 * what dead runs left half-written: staging folders and temporary files ({@code
 * .dataset.tmp-<uuid>/}, {@code .metrics.json.tmp-<uuid>}, the worker's {@code
 * .tmp-step-<N>-<pid>}). The training's lock, taken under the directory's lock or by a cluster's
 * task on any host, trusts the OS lock about a holder elsewhere. The file stays in place on release
 * (deleting lock files races with the next holder); it is emptied.
 */
public final class RunDirectoryLock implements AutoCloseable {
  public static final String FILE = ".lock";

  /** The locks this process holds or is taking, by absolute file, with the holder each names. */
  private static final ConcurrentHashMap<Path, Holder> HELD_HERE = new ConcurrentHashMap<>();

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

  /** Who holds (or held) a lock of a run directory. */
  public record Holder(long pid, String host, String command, String since, String started) {
    static Holder self(String command) {
      return new Holder(
          ProcessHandle.current().pid(),
          thisHost(),
          command,
          Instant.now().toString(),
          ProcessHandle.current().info().startInstant().map(Instant::toString).orElse(null));
    }

    String describe() {
      return "tunecard %s (pid %s on host %s%s)"
          .formatted(command, pid, host, since == null ? "" : ", since " + since);
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

  /**
   * Refusal: another command writes this run directory, or another training trains it. Bad input:
   * pick another or wait.
   */
  public static final class LockedException extends BadInputException {
    private static final long serialVersionUID = 1L;

    public LockedException(String message) {
      super(message);
    }
  }

  /**
   * What a lock guards, and how a refusal says so.
   *
   * @param root the run directory, for the directory's own lock; null for a part of it
   * @param file the lock file, as messages name it
   * @param what the guarded work of a part ("training of runs/q/default"), or null
   */
  private record Scope(Path root, Path file, String what) {
    boolean whole() {
      return root != null;
    }

    String inProcess() {
      long self = ProcessHandle.current().pid();
      return whole()
          ? "%s is in use: another command of this process (pid %s) is writing it"
              .formatted(root, self)
          : "another %s is already running in this process (pid %s; %s)"
              .formatted(what, self, file);
    }

    String busy(Holder h, String why) {
      return (whole()
              ? "%s is in use: %s is writing it%s"
                  .formatted(root, h == null ? "another process" : h.describe(), why)
              : "another %s is running: %s is locked by %s%s"
                  .formatted(what, file, h == null ? "another process" : "pid " + h.pid(), why))
          + "; wait for it to end or stop it";
    }
  }

  /**
   * Takes the lock of the whole of {@code run} for {@code command}, or fails at once.
   *
   * @throws LockedException naming the holder and the run directory
   */
  public static RunDirectoryLock acquire(RunDirectory run, String command) {
    return take(new Scope(run.root(), run.root().resolve(FILE), null), command);
  }

  /**
   * Takes the lock of {@code run}'s training ({@code train/.lock}), or fails at once.
   *
   * @throws LockedException naming the holder's pid
   */
  public static RunDirectoryLock training(RunDirectory run) {
    return acquire(run.train().resolve(FILE), "training of " + run.root());
  }

  /**
   * Takes the lock {@code file} of one part of a run directory, or fails at once.
   *
   * @param what names the guarded work in the message, e.g. "training of runs/quickstart/default"
   * @throws LockedException naming the holder's pid
   */
  public static RunDirectoryLock acquire(Path file, String what) {
    Path key = file.toAbsolutePath().normalize();
    return take(new Scope(null, key, what), what);
  }

  private static RunDirectoryLock take(Scope scope, String command) {
    Path key = scope.file().toAbsolutePath().normalize();
    Holder me = Holder.self(command);
    if (HELD_HERE.putIfAbsent(key, me) != null) {
      throw new LockedException(scope.inProcess());
    }
    FileChannel channel = null;
    try {
      Files.createDirectories(key.getParent());
      channel =
          FileChannel.open(
              key, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      FileLock lock = tryLock(channel, false);
      Holder recorded = read(channel);
      if (lock == null) {
        throw new LockedException(scope.busy(recorded, ""));
      }
      if (scope.whole() && recorded != null && !recorded.host().equals(thisHost())) {
        throw new LockedException(
            ("%s was locked by %s, which cannot be checked from host %s;"
                    + " once that run is known to be gone, delete %s")
                .formatted(scope.root(), recorded.describe(), thisHost(), scope.file()));
      }
      if (recorded != null && recorded.aliveHere() && recorded.pid() != me.pid()) {
        throw new LockedException(scope.busy(recorded, " (its file system ignores file locks)"));
      }
      write(channel, me);
      List<String> removed = scope.whole() ? Leftovers.remove(scope.root()) : List.of();
      return new RunDirectoryLock(key, channel, lock, recorded, removed);
    } catch (IOException e) {
      close(channel);
      HELD_HERE.remove(key);
      throw new UncheckedIOException("cannot lock " + key + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      close(channel);
      HELD_HERE.remove(key);
      throw e;
    }
  }

  /** The live holder of {@code run}'s lock, if any (what {@code verify} waits for). */
  public static Optional<Holder> holder(RunDirectory run) {
    Path file = run.root().resolve(FILE).toAbsolutePath().normalize();
    Holder here = HELD_HERE.get(file);
    if (here != null) {
      return Optional.of(here);
    }
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      Holder recorded = read(channel);
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

  /** The lock file, absolute. */
  public Path file() {
    return file;
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

  private static void write(FileChannel channel, Holder h) throws IOException {
    ObjectNode o = Jsonl.MAPPER.createObjectNode();
    o.put("pid", h.pid());
    o.put("host", h.host());
    o.put("command", h.command());
    o.put("since", h.since());
    if (h.started() != null) {
      o.put("started", h.started());
    }
    byte[] bytes = (Jsonl.write(o) + "\n").getBytes(StandardCharsets.UTF_8);
    channel.truncate(0);
    channel.write(ByteBuffer.wrap(bytes), 0);
    channel.force(false);
  }

  /** The holder the file names, or null when it is empty or unreadable. */
  private static Holder read(FileChannel channel) {
    try {
      long size = channel.size();
      if (size == 0 || size > 64 * 1024) {
        return null;
      }
      ByteBuffer buffer = ByteBuffer.allocate((int) size);
      while (buffer.hasRemaining() && channel.read(buffer, buffer.position()) > 0) {
        // Reads through the locked channel: another handle's close would drop the lock.
      }
      String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
      JsonNode n = Jsonl.MAPPER.readTree(text.strip());
      if (n == null || !n.path("pid").canConvertToLong() || !n.path("host").isTextual()) {
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
