package io.tunecard.rundir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Checks a whole run directory against its manifest.json ({@code tunecard verify}): every file each
 * finished stage recorded is hashed and compared, the dataset's rows and sha256 per split, the best
 * adapter's sha256, and, after a publish, that the adapter the Hub commit holds is the one on disk.
 */
public final class RunVerification {
  private RunVerification() {}

  /** One line of the report: what was checked, and what was found wrong (empty when all holds). */
  public record Finding(String subject, String summary, List<String> problems) {
    public Finding {
      problems = List.copyOf(problems);
    }

    public boolean ok() {
      return problems.isEmpty();
    }
  }

  /** Every finding, in manifest order: the stages, then dataset, adapter and publish. */
  public static List<Finding> check(RunDirectory run, ManifestFile manifest) {
    List<Finding> out = new ArrayList<>();
    manifest.stages().forEach((name, s) -> out.add(stage(run, name, s)));
    if (!manifest.dataset().isEmpty()) {
      out.add(dataset(run, manifest.dataset()));
    }
    if (manifest.adapter() != null) {
      out.add(adapter(run, manifest.adapter()));
    }
    if (manifest.publish() != null) {
      out.add(publish(run, manifest.publish(), manifest.adapter()));
    }
    return out;
  }

  private static Finding stage(RunDirectory run, String name, ManifestFile.StageRecord s) {
    String status = s.status() == null ? "" : s.status();
    if (!s.done()) {
      return new Finding(
          name,
          "",
          List.of("did not finish (status " + (status.isEmpty() ? "none" : status) + ")"));
    }
    Map<String, ManifestFile.Output> recorded = s.outputs();
    if (name.equals("publish") && recorded == null) {
      return new Finding(name, "done", List.of());
    }
    if (recorded == null) {
      return new Finding(name, "", List.of("its outputs were not recorded"));
    }
    List<Path> files = new ArrayList<>();
    recorded.keySet().forEach(f -> files.add(run.root().resolve(f)));
    List<String> problems = StageOutputs.differences(run.root(), recorded, files, true);
    return new Finding(name, files.size() + " files", problems);
  }

  private static Finding dataset(RunDirectory run, Map<String, ManifestFile.SplitEntry> dataset) {
    List<String> problems = new ArrayList<>();
    List<String> counts = new ArrayList<>();
    for (String split : RunDirectory.SPLITS) {
      ManifestFile.SplitEntry d = dataset.get(split);
      if (d == null) {
        continue;
      }
      Path file = run.split(split);
      String name = "dataset/" + split + ".jsonl";
      if (!Files.isRegularFile(file)) {
        problems.add(name + " is missing");
        continue;
      }
      long rows = rows(file);
      long recordedRows = d.rows() == null ? -1 : d.rows();
      counts.add(split + " " + rows);
      if (rows != recordedRows) {
        problems.add(name + " has " + rows + " rows, manifest.json records " + recordedRows);
      }
      String sha = CodeVersion.ofPath(file);
      if (!sha.equals(d.sha256())) {
        problems.add(name + " is not the file manifest.json records (" + shortSha(sha) + ")");
      }
    }
    return new Finding("dataset", String.join(", ", counts) + " rows", problems);
  }

  private static Finding adapter(RunDirectory run, ManifestFile.AdapterEntry adapter) {
    String checkpoint = adapter.checkpoint() == null ? "" : adapter.checkpoint();
    String recorded = adapter.sha256() == null ? "" : adapter.sha256();
    Path file = adapterFile(run, checkpoint);
    if (file == null || !Files.isRegularFile(file)) {
      return new Finding(
          "adapter", "", List.of("train/checkpoints/" + checkpoint + " has no adapter file"));
    }
    String sha = CodeVersion.ofPath(file);
    List<String> problems =
        sha.equals(recorded)
            ? List.of()
            : List.of(
                run.root().relativize(file)
                    + " is "
                    + shortSha(sha)
                    + ", manifest.json records "
                    + shortSha(recorded));
    return new Finding("adapter", checkpoint + ", " + shortSha(sha), problems);
  }

  /** The adapter a publish sent must be the best adapter on disk, byte for byte. */
  private static Finding publish(
      RunDirectory run, ManifestFile.PublishEntry publish, ManifestFile.AdapterEntry adapter) {
    String status = publish.status() == null ? "" : publish.status();
    String commit = publish.commitId();
    if (!status.equals("published") && !status.equals("already_published")) {
      return new Finding("publish", "nothing published (" + status + ")", List.of());
    }
    String sent = null;
    for (ManifestFile.PublishedFile f : publish.files()) {
      if ("adapter_model.safetensors".equals(f.path())) {
        sent = f.sha256();
      }
    }
    String summary = "commit " + commit;
    if (sent == null) {
      return new Finding("publish", summary + ", no adapter among its files", List.of());
    }
    Path file =
        adapterFile(
            run, adapter == null || adapter.checkpoint() == null ? "" : adapter.checkpoint());
    if (file == null || !Files.isRegularFile(file)) {
      return new Finding(
          "publish", summary, List.of("the published adapter has no file on disk to compare"));
    }
    String sha = CodeVersion.ofPath(file);
    List<String> problems =
        sha.equals(sent)
            ? List.of()
            : List.of(
                "the adapter of commit "
                    + commit
                    + " is "
                    + shortSha(sent)
                    + ", but "
                    + run.root().relativize(file)
                    + " is "
                    + shortSha(sha));
    return new Finding("publish", summary + ", adapter " + shortSha(sent), problems);
  }

  private static Path adapterFile(RunDirectory run, String checkpoint) {
    if (checkpoint.isEmpty() || !checkpoint.matches("[A-Za-z0-9._-]+") || checkpoint.equals("..")) {
      return null;
    }
    return run.checkpoints().resolve(checkpoint).resolve("adapter_model.safetensors");
  }

  private static long rows(Path file) {
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return r.lines().filter(l -> !l.isBlank()).count();
    } catch (IOException | UncheckedIOException e) {
      return -1;
    }
  }

  private static String shortSha(String sha) {
    return sha == null || sha.length() < 12 ? "sha256 " + sha : "sha256 " + sha.substring(0, 12);
  }
}
