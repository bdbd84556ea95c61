package io.tunecard.rundir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
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
import java.time.Clock;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * {@code manifest.json}, the lineage of a run (docs/run-directory.md). It changes only through the
 * named methods here, each of which holds a file lock and rewrites the file atomically, so
 * concurrent workers of one run never lose each other's entries; {@link #read} gives its typed view
 * ({@link ManifestFile}). Each method writes its keys in the order earlier versions wrote them, so
 * a run produces the same bytes as before.
 */
public final class Manifest {
  /** One monitor per manifest file: a JVM cannot hold two FileLocks on one file. */
  private static final ConcurrentHashMap<Path, Object> MONITORS = new ConcurrentHashMap<>();

  private final RunDirectory run;
  private final Clock clock;

  public Manifest(RunDirectory run) {
    this(run, Clock.systemUTC());
  }

  /** A manifest whose stage times come from {@code clock}. */
  Manifest(RunDirectory run, Clock clock) {
    this.run = run;
    this.clock = clock;
  }

  /** The run this manifest describes. */
  public RunDirectory run() {
    return run;
  }

  /** The current content; {@link ManifestFile#EMPTY} when the run has none yet. */
  public ManifestFile read() {
    return ManifestFile.readOrEmpty(run.manifest());
  }

  /** The recorded entry of one stage ({@code stages.<name>}), or null. */
  public ManifestFile.StageRecord stage(String name) {
    return read().stage(name);
  }

  /**
   * Records the run's lineage: the workflow it read, the source checkout (null outside one), the
   * versions of Java and the libraries ({@code tunecard_version} is {@code versions.tunecard}) and
   * the seeds.
   */
  public void recordLineage(
      ManifestFile.WorkflowEntry workflow,
      Lineage.Git git,
      Map<String, String> versions,
      Map<String, Long> seeds) {
    update(
        m -> {
          ObjectNode wf = m.putObject("workflow");
          wf.put("name", workflow.name());
          wf.put("file", workflow.file());
          wf.put("sha256", workflow.sha256());
          wf.putPOJO("overrides", workflow.overrides());
          if (git != null) {
            m.putObject("git").put("commit", git.commit()).put("dirty", git.dirty());
          }
          m.put("tunecard_version", versions.get("tunecard"));
          m.putPOJO("versions", versions);
          ObjectNode s = m.putObject("seeds");
          seeds.forEach(s::put);
        });
  }

  /** Records that {@code stage} started now. */
  public void stageStarted(String stage) {
    String now = clock.instant().toString();
    update(m -> m.with("stages").putObject(stage).put("status", "running").put("started", now));
  }

  /**
   * Records that {@code stage}, started as {@link #stageStarted} recorded (else now), finished with
   * cache key {@code key} and wrote {@code outputs}.
   */
  public void stageFinished(String stage, String key, Map<String, ManifestFile.Output> outputs) {
    ManifestFile.StageRecord running = stage(stage);
    String started = running == null ? null : running.started();
    stageFinished(stage, key, started == null ? clock.instant() : Instant.parse(started), outputs);
  }

  /**
   * Records that {@code stage} started at {@code started} and finished now with cache key {@code
   * key}, having written {@code outputs} (null for a stage that writes nothing into the run).
   */
  public void stageFinished(
      String stage, String key, Instant started, Map<String, ManifestFile.Output> outputs) {
    long now = clock.instant().toEpochMilli();
    update(
        m -> {
          ObjectNode s = m.with("stages").putObject(stage);
          s.put("hash", key);
          s.put("status", "done");
          s.put("started", started.toString());
          s.put("seconds", Math.round((now - started.toEpochMilli()) / 10.0) / 100.0);
          if (outputs != null) {
            ObjectNode o = s.putObject("outputs");
            outputs.forEach(
                (name, f) -> {
                  ObjectNode stamp = o.putObject(name);
                  putIfPresent(stamp, "size", f.size());
                  putIfPresent(stamp, "mtime_ns", f.mtimeNs());
                  if (f.sha256() != null) {
                    stamp.put("sha256", f.sha256());
                  }
                });
          }
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

  /** Records the dataset ingest produced: each split's rows and sha256. */
  public void recordDataset(Map<String, ManifestFile.SplitEntry> splits) {
    update(
        m -> {
          ObjectNode dataset = m.putObject("dataset");
          splits.forEach(
              (split, e) -> {
                ObjectNode s = dataset.putObject(split);
                putIfPresent(s, "rows", e.rows());
                s.put("sha256", e.sha256());
              });
        });
  }

  /** Records the best adapter training produced (its sha256 is left out when null). */
  public void recordAdapter(ManifestFile.AdapterEntry adapter) {
    update(
        m -> {
          ObjectNode a = m.putObject("adapter");
          a.put("checkpoint", adapter.checkpoint());
          if (adapter.sha256() != null) {
            a.put("sha256", adapter.sha256());
          }
        });
  }

  /** Records a publish outcome (gate verdict, Hub commit, files), replacing the previous one. */
  public void recordPublish(ManifestFile.PublishEntry outcome) {
    ObjectNode tree = outcome.toTree();
    update(m -> m.set("publish", tree));
  }

  /**
   * Records the Hub repositories a command used ({@code hub}: one entry per workflow key, with the
   * resolved commit and every file's sha256), replacing earlier entries of the same keys.
   */
  public void recordHub(List<ManifestFile.HubEntry> sources) {
    ArrayNode added = Jsonl.MAPPER.createArrayNode();
    sources.forEach(e -> added.add(e.toTree()));
    update(
        m -> {
          JsonNode old = m.path("hub");
          ArrayNode list = m.putArray("hub");
          Set<String> replaced = new HashSet<>();
          added.forEach(e -> replaced.add(e.path("key").asText()));
          old.forEach(
              e -> {
                if (!replaced.contains(e.path("key").asText())) {
                  list.add(e);
                }
              });
          list.addAll(added);
        });
  }

  private static void putIfPresent(ObjectNode o, String key, Long v) {
    if (v != null) {
      o.put(key, v);
    }
  }

  /** Applies {@code change} to the manifest's tree under a lock and writes it back atomically. */
  private void update(Consumer<ObjectNode> change) {
    try {
      Files.createDirectories(run.root());
      Path lockFile = run.root().resolve(".manifest.lock");
      synchronized (MONITORS.computeIfAbsent(lockFile, k -> new Object())) {
        updateLocked(lockFile, change);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void updateLocked(Path lockFile, Consumer<ObjectNode> change) throws IOException {
    try (RandomAccessFile raf = new RandomAccessFile(lockFile.toFile(), "rw");
        FileChannel channel = raf.getChannel();
        FileLock lock = channel.lock()) {
      ObjectNode manifest = tree();
      change.accept(manifest);
      AtomicFiles.writeString(run.manifest(), Jsonl.pretty(manifest));
    }
  }

  /** The file's tree, or an empty object when the run has none yet. */
  private ObjectNode tree() {
    Path file = run.manifest();
    if (!Files.exists(file)) {
      return Jsonl.MAPPER.createObjectNode();
    }
    return (ObjectNode) JsonFields.readObject(file);
  }
}
