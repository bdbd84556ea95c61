package io.tunecard.hub;

import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import io.tunecard.rundir.ManifestFile;
import io.tunecard.workflow.Workflow;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The step {@code run}, {@code evaluate}, {@code generate}, {@code train} and {@code ingest} take
 * before their stages: each Hub repository the command needs (the base model, the BERTScore
 * encoder, a {@code hub} dataset) is looked up in the cache and pulled when it is missing. Offline
 * ({@code --offline}, or {@code HF_HUB_OFFLINE} / {@code TRANSFORMERS_OFFLINE} set to 1, true, yes
 * or on, as huggingface_hub reads them) nothing is pulled and a missing repository fails later with
 * the stage's own message, as before pulls existed. A repository already in the cache is used as it
 * is, without asking the Hub; {@code tunecard pull} refreshes it.
 */
public final class HubInputs {
  /** What a command needs from the Hub. */
  public enum Need {
    DATASET,
    MODEL,
    ENCODER
  }

  /** A repository a command uses, by the workflow key that names it. */
  public record Source(String key, Snapshot snapshot) {}

  private final Map<String, String> env;
  private final HubCache cache;
  private final boolean offline;
  private final PrintWriter err;
  private final int workers;

  public HubInputs(
      Map<String, String> env, Path home, boolean offline, PrintWriter err, int workers) {
    this.env = Map.copyOf(env);
    this.cache = HubCache.fromEnvironment(env, home);
    this.offline = offline || offline(env);
    this.err = err;
    this.workers = workers;
  }

  /** Whether {@code env} turns downloads off, read as huggingface_hub reads it. */
  public static boolean offline(Map<String, String> env) {
    String v = env.get("HF_HUB_OFFLINE");
    if (v == null || v.isBlank()) {
      v = env.get("TRANSFORMERS_OFFLINE");
    }
    return v != null
        && Set.of("1", "ON", "YES", "TRUE").contains(v.strip().toUpperCase(Locale.ROOT));
  }

  public boolean offline() {
    return offline;
  }

  public HubCache cache() {
    return cache;
  }

  /** The repositories {@code w} names that {@code needs} covers, pulled where missing. */
  public List<Source> forWorkflow(Workflow w, Set<Need> needs) {
    List<Source> out = new ArrayList<>();
    if (needs.contains(Need.DATASET) && w.dataset().isHub()) {
      dataset(w.dataset().repo(), "dataset.repo")
          .ifPresent(s -> out.add(new Source("dataset.repo", s)));
    }
    if (needs.contains(Need.MODEL) && !w.model().isScratch()) {
      model(w.model().base(), "model.base").ifPresent(s -> out.add(new Source("model.base", s)));
    }
    if (needs.contains(Need.ENCODER) && w.eval().bertscore() != null) {
      encoder(w.eval().bertscore().model())
          .ifPresent(s -> out.add(new Source("eval.bertscore.model", s)));
    }
    return out;
  }

  public static Set<Need> all() {
    return EnumSet.allOf(Need.class);
  }

  /**
   * A model named by a Hub id: its snapshot, pulled when it is not complete in the cache. Empty for
   * a local directory, or offline when the cache lacks it.
   */
  public Optional<Snapshot> model(String base, String key) {
    if (base == null || Files.isDirectory(Path.of(base)) || !RepoRef.looksLikeId(base)) {
      return Optional.empty();
    }
    RepoRef ref = RepoRef.parse(RepoRef.Type.MODEL, base, key);
    return obtain(ref, Selection.model(), HubInputs::completeModel);
  }

  /** The BERTScore encoder: as a model, but a failed pull only means BERTScore is not computed. */
  public Optional<Snapshot> encoder(String id) {
    try {
      return model(id, "eval.bertscore.model");
    } catch (RuntimeException e) {
      err.println(
          "eval.bertscore.model "
              + id
              + ": not pulled ("
              + e.getMessage()
              + "); BERTScore will be reported as not computed");
      err.flush();
      return Optional.empty();
    }
  }

  /** A {@code hub} dataset: its snapshot, pulled when the cache has no data file of it. */
  public Optional<Snapshot> dataset(String repo, String key) {
    RepoRef ref = RepoRef.parse(RepoRef.Type.DATASET, repo, key);
    return obtain(ref, Selection.dataset(), dir -> hasData(dir));
  }

  private interface Complete {
    boolean test(Path snapshot) throws IOException;
  }

  private Optional<Snapshot> obtain(RepoRef ref, Selection selection, Complete complete) {
    Optional<Path> found = local(ref);
    try {
      if (found.isPresent() && complete.test(found.get())) {
        Path dir = found.get();
        return Optional.of(Snapshot.local(ref, dir.getFileName().toString(), dir, selection));
      }
    } catch (IOException e) {
      // an unreadable snapshot is one to pull again
    }
    if (offline) {
      return Optional.empty();
    }
    err.println(
        ref.label()
            + " is not complete in the Hugging Face cache "
            + cache.root()
            + "; pulling it");
    err.flush();
    HubAccess access = HubAccess.fromEnvironment(env);
    HubHttp http = new HubHttp(access, Backoff.standard(), s -> err.println(s));
    return Optional.of(new Pull(http, cache, Progress.console(err), workers).pull(ref, selection));
  }

  /** The snapshot a reader of {@code ref} would use: the revision's, else (for main) the newest. */
  private Optional<Path> local(RepoRef ref) {
    if (!ref.revision().equals(RepoRef.MAIN)) {
      return cache.snapshot(ref);
    }
    return cache.snapshots(ref).stream()
        .filter(p -> Files.isRegularFile(p.resolve("config.json")) || hasDataQuietly(p))
        .findFirst();
  }

  /** config.json and every weight file: the single safetensors file, or all the index's shards. */
  static boolean completeModel(Path dir) throws IOException {
    if (!Files.isRegularFile(dir.resolve("config.json"))) {
      return false;
    }
    if (Files.isRegularFile(dir.resolve(Selection.INDEX))) {
      var map = Jsonl.readTree(dir.resolve(Selection.INDEX)).path("weight_map");
      if (!map.isObject() || map.isEmpty()) {
        return false;
      }
      for (var shard : map) {
        if (!Files.isRegularFile(dir.resolve(shard.asText("")))) {
          return false;
        }
      }
      return true;
    }
    return Files.isRegularFile(dir.resolve(Selection.SINGLE));
  }

  private static boolean hasData(Path dir) throws IOException {
    try (var walk = Files.walk(dir)) {
      return walk.anyMatch(
          p ->
              Files.isRegularFile(p)
                  && p.getFileName()
                      .toString()
                      .toLowerCase(Locale.ROOT)
                      .matches(".*\\.(parquet|jsonl|ndjson|csv)"));
    }
  }

  private static boolean hasDataQuietly(Path dir) {
    try {
      return hasData(dir);
    } catch (IOException e) {
      return false;
    }
  }

  /** The manifest's {@code hub} entries of {@code sources} ({@code Manifest.recordHub}). */
  public static List<ManifestFile.HubEntry> entries(List<Source> sources) {
    List<ManifestFile.HubEntry> list = new ArrayList<>();
    for (Source s : sources) {
      Snapshot snap = s.snapshot();
      list.add(
          new ManifestFile.HubEntry(
              s.key(),
              snap.ref().id(),
              snap.ref().type() == RepoRef.Type.MODEL ? "model" : "dataset",
              snap.ref().revision(),
              snap.commit(),
              snap.files().stream()
                  .map(e -> new ManifestFile.HubFile(e.path(), e.size(), e.sha256()))
                  .toList()));
    }
    return list;
  }

  /** The snapshot of a {@code hub} dataset, for ingestion; the cache only, never the network. */
  public static Path datasetSnapshot(HubCache cache, String repo) {
    RepoRef ref = RepoRef.parse(RepoRef.Type.DATASET, repo, "dataset.repo");
    Optional<Path> dir =
        ref.revision().equals(RepoRef.MAIN)
            ? cache.snapshots(ref).stream().filter(HubInputs::hasDataQuietly).findFirst()
            : cache.snapshot(ref).filter(HubInputs::hasDataQuietly);
    return dir.orElseThrow(
        () ->
            new BadInputException(
                "dataset.repo: "
                    + ref.label()
                    + " is not in the local Hugging Face cache (no snapshot with data files in "
                    + cache.repo(ref).resolve("snapshots")
                    + "); `tunecard pull "
                    + repo
                    + " --repo-type dataset` fetches it, and run, ingest and train pull it"
                    + " themselves unless --offline or HF_HUB_OFFLINE=1 is set"));
  }
}
