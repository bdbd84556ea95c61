package io.tunecard.rundir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.AtomicFiles;
import io.tunecard.files.Jsonl;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * {@code manifest.json}, the lineage of a run (docs/run-directory.md). Stages update it through
 * {@link #update}, which holds a file lock and rewrites the file atomically, so concurrent workers
 * of one run never lose each other's entries.
 */
public final class Manifest {
  /** One monitor per manifest file: a JVM cannot hold two FileLocks on one file. */
  private static final java.util.concurrent.ConcurrentHashMap<Path, Object> MONITORS =
      new java.util.concurrent.ConcurrentHashMap<>();

  private final RunDirectory run;

  public Manifest(RunDirectory run) {
    this.run = run;
  }

  /** The run this manifest describes. */
  public RunDirectory run() {
    return run;
  }

  /** The current content, or an empty object when the run has none yet. */
  public ObjectNode read() {
    Path file = run.manifest();
    if (!Files.exists(file)) {
      return Jsonl.MAPPER.createObjectNode();
    }
    try {
      JsonNode node = Jsonl.readTree(file);
      if (!node.isObject()) {
        throw new IOException(file + ": expected a JSON object");
      }
      return (ObjectNode) node;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Applies {@code change} to the manifest under a lock and writes it back atomically. */
  public ObjectNode update(Consumer<ObjectNode> change) {
    try {
      Files.createDirectories(run.root());
      Path lockFile = run.root().resolve(".manifest.lock");
      synchronized (MONITORS.computeIfAbsent(lockFile, k -> new Object())) {
        return updateLocked(lockFile, change);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private ObjectNode updateLocked(Path lockFile, Consumer<ObjectNode> change) throws IOException {
    try (RandomAccessFile raf = new RandomAccessFile(lockFile.toFile(), "rw");
        FileChannel channel = raf.getChannel();
        FileLock lock = channel.lock()) {
      ObjectNode manifest = read();
      change.accept(manifest);
      AtomicFiles.writeString(run.manifest(), Jsonl.pretty(manifest));
      return manifest;
    }
  }

  /** The recorded entry of one stage ({@code stages.<name>}), or a missing node. */
  public JsonNode stage(String name) {
    return read().path("stages").path(name);
  }

  /** Records that {@code stage} finished with input hash {@code hash}. */
  public void recordStage(String stage, String hash, Instant started, Consumer<ObjectNode> extra) {
    update(
        m -> {
          ObjectNode s = m.with("stages").putObject(stage);
          s.put("hash", hash);
          s.put("status", "done");
          s.put("started", started.toString());
          s.put(
              "seconds",
              Math.round((Instant.now().toEpochMilli() - started.toEpochMilli()) / 10.0) / 100.0);
          extra.accept(s);
        });
  }

  /**
   * Records the Hub repositories a command used ({@code hub}: one entry per workflow key, with the
   * resolved commit and every file's sha256), replacing earlier entries of the same keys.
   */
  public void recordHub(com.fasterxml.jackson.databind.node.ArrayNode sources) {
    update(
        m -> {
          JsonNode old = m.path("hub");
          com.fasterxml.jackson.databind.node.ArrayNode list = m.putArray("hub");
          java.util.Set<String> replaced = new java.util.HashSet<>();
          sources.forEach(e -> replaced.add(e.path("key").asText()));
          old.forEach(
              e -> {
                if (!replaced.contains(e.path("key").asText())) {
                  list.add(e);
                }
              });
          list.addAll(sources);
        });
  }

  /** Forgets a stage (before it reruns), so a crash mid-stage never leaves a stale "done". */
  public void clearStage(String stage) {
    update(
        m -> {
          if (m.get("stages") instanceof ObjectNode stages) {
            stages.remove(stage);
          }
        });
  }
}
