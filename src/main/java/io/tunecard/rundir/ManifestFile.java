package io.tunecard.rundir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.Jsonl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code manifest.json} records (docs/run-directory.md), read into types: the lineage
 * (workflow, git, versions, seeds), each stage's status and outputs, the dataset's splits, the best
 * adapter and the last publish. It is the file's only reader; the file changes only through {@link
 * Manifest}'s named methods. A key the file lacks reads as null (or an empty map); a value of the
 * wrong type is bad input naming the file and the key's dotted path. The Hub entries ({@code hub})
 * are written ({@link HubEntry}, built by {@code hub.HubInputs}) but read by no stage, so they are
 * not part of the view. The records of {@code hub} and {@code publish} also write their JSON: the
 * manifest's keys are named here only.
 *
 * @param tunecardVersion {@code tunecard_version}; null before a run recorded its lineage
 * @param workflow the workflow file the run read; null when not recorded
 * @param git the source checkout; null outside a git checkout
 * @param versions Java's and the libraries' versions, in the file's order
 * @param seeds the split, train and eval seeds, in the file's order
 * @param stages each recorded stage, in the file's order
 * @param dataset each split's rows and sha256 after ingest, in the file's order
 * @param adapter the best checkpoint after training; null when not recorded
 * @param publish the last publish outcome; null when none was recorded
 * @param hardware a free-text description of the machine; null when not recorded
 */
public record ManifestFile(
    String tunecardVersion,
    WorkflowEntry workflow,
    GitEntry git,
    Map<String, String> versions,
    Map<String, Long> seeds,
    Map<String, StageRecord> stages,
    Map<String, SplitEntry> dataset,
    AdapterEntry adapter,
    PublishEntry publish,
    String hardware) {

  public ManifestFile {
    versions = Collections.unmodifiableMap(new LinkedHashMap<>(versions));
    seeds = Collections.unmodifiableMap(new LinkedHashMap<>(seeds));
    stages = Collections.unmodifiableMap(new LinkedHashMap<>(stages));
    dataset = Collections.unmodifiableMap(new LinkedHashMap<>(dataset));
  }

  /** The manifest of a run that has recorded nothing yet. */
  public static final ManifestFile EMPTY =
      new ManifestFile(null, null, null, Map.of(), Map.of(), Map.of(), Map.of(), null, null, null);

  /**
   * {@code workflow}: the file, its sha256 when the run read it, and the {@code --set} overrides.
   */
  public record WorkflowEntry(String name, String file, String sha256, List<String> overrides) {
    public WorkflowEntry {
      overrides = List.copyOf(overrides);
    }
  }

  /** {@code git}: the commit and whether the checkout had changes (null when not recorded). */
  public record GitEntry(String commit, Boolean dirty) {}

  /**
   * {@code stages.<stage>}.
   *
   * @param status {@code running} or {@code done}; null when not recorded
   * @param hash the stage's cache key when it finished; null while it runs
   * @param started when it started (ISO-8601)
   * @param seconds how long it took; null while it runs
   * @param outputs every file it wrote, by path relative to the run; null when not recorded
   */
  public record StageRecord(
      String status, String hash, String started, Double seconds, Map<String, Output> outputs) {
    public StageRecord {
      outputs = outputs == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
    }

    public boolean done() {
      return "done".equals(status);
    }
  }

  /** One file a stage wrote: its size, modification time (ns since the epoch) and sha256. */
  public record Output(Long size, Long mtimeNs, String sha256) {}

  /** {@code dataset.<split>}: its rows and the sha256 of its file. */
  public record SplitEntry(Long rows, String sha256) {}

  /** {@code adapter}: the best checkpoint's name and its weights' sha256 (null when absent). */
  public record AdapterEntry(String checkpoint, String sha256) {}

  /**
   * {@code publish} (and {@code publish.json}): the outcome ({@code published}, {@code
   * already_published}, {@code gate_failed}, ...), the Hub commit, the gate's verdict, what decided
   * the upload modes and the files the commit holds; built by {@code publish.PublishResult}.
   *
   * @param gate the gate's verdict; null when not recorded
   */
  public record PublishEntry(
      String status,
      String repoId,
      String commitId,
      String url,
      GateEntry gate,
      String uploadModesBy,
      List<PublishedFile> files) {
    public PublishEntry {
      files = List.copyOf(files);
    }

    /** The entry's JSON; every key present, a value not recorded written as null. */
    public ObjectNode toTree() {
      ObjectNode o = Jsonl.MAPPER.createObjectNode();
      JsonFields.putOrNull(o, "status", status);
      JsonFields.putOrNull(o, "repo_id", repoId);
      JsonFields.putOrNull(o, "commit_id", commitId);
      JsonFields.putOrNull(o, "url", url);
      if (gate == null) {
        o.putNull("gate");
      } else {
        ObjectNode g = o.putObject("gate");
        g.put("passed", gate.passed());
        ArrayNode reasons = g.putArray("reasons");
        gate.reasons().forEach(reasons::add);
        ArrayNode checks = g.putArray("checks");
        gate.checks().forEach(checks::add);
      }
      JsonFields.putOrNull(o, "upload_modes_by", uploadModesBy);
      ArrayNode list = o.putArray("files");
      for (PublishedFile f : files) {
        ObjectNode e = list.addObject();
        JsonFields.putOrNull(e, "path", f.path());
        JsonFields.putOrNull(e, "size", f.size());
        JsonFields.putOrNull(e, "sha256", f.sha256());
        JsonFields.putOrNull(e, "mode", f.mode());
      }
      return o;
    }
  }

  /** {@code publish.gate}: whether it passed, why not, and what it checked. */
  public record GateEntry(boolean passed, List<String> reasons, List<String> checks) {
    public GateEntry {
      reasons = List.copyOf(reasons);
      checks = List.copyOf(checks);
    }
  }

  /**
   * One file of a publish commit, by its path in the repository: its size, sha256 and upload mode
   * ({@code regular} or {@code lfs}; null when not decided, or not recorded).
   */
  public record PublishedFile(String path, Long size, String sha256, String mode) {}

  /**
   * One entry of {@code hub}: a Hub repository a command used, under the workflow key that named
   * it, with the resolved commit and every file's size and sha256.
   */
  public record HubEntry(
      String key,
      String repo,
      String repoType,
      String revision,
      String commit,
      List<HubFile> files) {
    public HubEntry {
      files = List.copyOf(files);
    }

    /** The entry's JSON; every key present, a value not recorded written as null. */
    public ObjectNode toTree() {
      ObjectNode o = Jsonl.MAPPER.createObjectNode();
      JsonFields.putOrNull(o, "key", key);
      JsonFields.putOrNull(o, "repo", repo);
      JsonFields.putOrNull(o, "repo_type", repoType);
      JsonFields.putOrNull(o, "revision", revision);
      JsonFields.putOrNull(o, "commit", commit);
      ArrayNode list = o.putArray("files");
      for (HubFile f : files) {
        ObjectNode e = list.addObject();
        JsonFields.putOrNull(e, "path", f.path());
        JsonFields.putOrNull(e, "size", f.size());
        JsonFields.putOrNull(e, "sha256", f.sha256());
      }
      return o;
    }
  }

  /** One file of a {@link HubEntry}. */
  public record HubFile(String path, Long size, String sha256) {}

  /** The stage recorded as {@code name}, or null. */
  public StageRecord stage(String name) {
    return stages.get(name);
  }

  /** Reads {@code file}; a missing file, bad JSON or a value of the wrong type is bad input. */
  public static ManifestFile read(Path file) {
    return fromTree(new JsonFields(file), JsonFields.readObject(file));
  }

  /** {@link #read}, or {@link #EMPTY} when the run has no manifest yet. */
  static ManifestFile readOrEmpty(Path file) {
    return Files.exists(file) ? read(file) : EMPTY;
  }

  static ManifestFile fromTree(JsonFields f, JsonNode m) {
    WorkflowEntry workflow = null;
    JsonNode wf = f.object(m, "workflow", "workflow");
    if (wf != null) {
      workflow =
          new WorkflowEntry(
              f.text(wf, "name", "workflow.name"),
              f.text(wf, "file", "workflow.file"),
              f.text(wf, "sha256", "workflow.sha256"),
              texts(f, wf, "overrides", "workflow.overrides"));
    }
    GitEntry git = null;
    JsonNode g = f.object(m, "git", "git");
    if (g != null) {
      git = new GitEntry(f.text(g, "commit", "git.commit"), f.bool(g, "dirty", "git.dirty"));
    }
    Map<String, String> versions = new LinkedHashMap<>();
    fields(f, m, "versions")
        .forEach(k -> versions.put(k, f.text(m.get("versions"), k, "versions." + k)));
    Map<String, Long> seeds = new LinkedHashMap<>();
    fields(f, m, "seeds").forEach(k -> seeds.put(k, f.longValue(m.get("seeds"), k, "seeds." + k)));
    Map<String, StageRecord> stages = new LinkedHashMap<>();
    for (String name : fields(f, m, "stages")) {
      stages.put(name, stage(f, m.get("stages").get(name), "stages." + name));
    }
    Map<String, SplitEntry> dataset = new LinkedHashMap<>();
    for (String split : fields(f, m, "dataset")) {
      String at = "dataset." + split;
      JsonNode s = f.object(m.get("dataset"), split, at);
      if (s != null) {
        dataset.put(
            split,
            new SplitEntry(
                f.longValue(s, "rows", at + ".rows"), f.text(s, "sha256", at + ".sha256")));
      }
    }
    AdapterEntry adapter = null;
    JsonNode a = f.object(m, "adapter", "adapter");
    if (a != null) {
      adapter =
          new AdapterEntry(
              f.text(a, "checkpoint", "adapter.checkpoint"), f.text(a, "sha256", "adapter.sha256"));
    }
    return new ManifestFile(
        f.text(m, "tunecard_version", "tunecard_version"),
        workflow,
        git,
        versions,
        seeds,
        stages,
        dataset,
        adapter,
        publish(f, f.object(m, "publish", "publish")),
        f.text(m, "hardware", "hardware"));
  }

  private static StageRecord stage(JsonFields f, JsonNode s, String at) {
    if (s == null || !s.isObject()) {
      throw f.bad("key '" + at + "': expected an object, found " + s);
    }
    Map<String, Output> outputs = null;
    JsonNode o = f.object(s, "outputs", at + ".outputs");
    if (o != null) {
      outputs = new LinkedHashMap<>();
      for (String name : names(o)) {
        String oat = at + ".outputs." + name;
        JsonNode stamp = f.object(o, name, oat);
        if (stamp == null) {
          throw f.bad("key '" + oat + "': expected an object, found null");
        }
        outputs.put(
            name,
            new Output(
                f.longValue(stamp, "size", oat + ".size"),
                f.longValue(stamp, "mtime_ns", oat + ".mtime_ns"),
                f.text(stamp, "sha256", oat + ".sha256")));
      }
    }
    return new StageRecord(
        f.text(s, "status", at + ".status"),
        f.text(s, "hash", at + ".hash"),
        f.text(s, "started", at + ".started"),
        f.number(s, "seconds", at + ".seconds"),
        outputs);
  }

  private static PublishEntry publish(JsonFields f, JsonNode p) {
    if (p == null) {
      return null;
    }
    List<PublishedFile> files = new ArrayList<>();
    JsonNode list = p.path("files");
    if (!list.isMissingNode() && !list.isNull() && !list.isArray()) {
      throw f.bad("key 'publish.files': expected an array, found " + list);
    }
    for (int i = 0; i < list.size(); i++) {
      String at = "publish.files[" + i + "]";
      JsonNode e = list.get(i);
      if (!e.isObject()) {
        throw f.bad("key '" + at + "': expected an object, found " + e);
      }
      files.add(
          new PublishedFile(
              f.text(e, "path", at + ".path"),
              f.longValue(e, "size", at + ".size"),
              f.text(e, "sha256", at + ".sha256"),
              f.text(e, "mode", at + ".mode")));
    }
    GateEntry gate = null;
    JsonNode g = f.object(p, "gate", "publish.gate");
    if (g != null) {
      Boolean passed = f.bool(g, "passed", "publish.gate.passed");
      gate =
          new GateEntry(
              passed != null && passed,
              texts(f, g, "reasons", "publish.gate.reasons"),
              texts(f, g, "checks", "publish.gate.checks"));
    }
    return new PublishEntry(
        f.text(p, "status", "publish.status"),
        f.text(p, "repo_id", "publish.repo_id"),
        f.text(p, "commit_id", "publish.commit_id"),
        f.text(p, "url", "publish.url"),
        gate,
        f.text(p, "upload_modes_by", "publish.upload_modes_by"),
        files);
  }

  /** The keys of the object {@code m.key} (none when absent). */
  private static List<String> fields(JsonFields f, JsonNode m, String key) {
    JsonNode o = f.object(m, key, key);
    return o == null ? List.of() : names(o);
  }

  private static List<String> names(JsonNode o) {
    List<String> names = new ArrayList<>();
    o.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static List<String> texts(JsonFields f, JsonNode node, String key, String at) {
    JsonNode v = node.path(key);
    List<String> out = new ArrayList<>();
    if (v.isMissingNode() || v.isNull()) {
      return out;
    }
    if (!v.isArray()) {
      throw f.bad("key '" + at + "': expected an array of strings, found " + v);
    }
    for (int i = 0; i < v.size(); i++) {
      if (!v.get(i).isTextual()) {
        throw f.bad("key '" + at + "[" + i + "]': expected a string, found " + v.get(i));
      }
      out.add(v.get(i).asText());
    }
    return out;
  }
}
