package io.tunecard.publish;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.AtomicFiles;
import io.tunecard.files.Jsonl;
import io.tunecard.rundir.ManifestFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The outcome of {@code tunecard publish}, written to {@code publish.json} in the run directory
 * (merged into manifest.json's {@code publish}): repo_id, commit_id, url, gate, and the files.
 *
 * @param commitId the commit now holding these files (null when nothing was published)
 */
public record PublishResult(
    Status status,
    String repoId,
    String commitId,
    String url,
    GateResult gate,
    List<CommitPayload.Entry> files,
    String uploadRule) {

  public static final String FILE_NAME = "publish.json";

  /** What happened. */
  public enum Status {
    PUBLISHED,
    ALREADY_PUBLISHED,
    GATE_FAILED,
    DRY_RUN;

    @Override
    public String toString() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public PublishResult {
    files = List.copyOf(files);
  }

  /** The outcome as manifest.json's {@code publish} entry records it (and publish.json holds). */
  public ManifestFile.PublishEntry toEntry() {
    List<ManifestFile.PublishedFile> list = new ArrayList<>();
    for (CommitPayload.Entry e : files) {
      list.add(
          new ManifestFile.PublishedFile(
              e.file().pathInRepo(),
              e.file().size(),
              e.file().sha256(),
              e.mode() == null ? null : e.mode().toString()));
    }
    return new ManifestFile.PublishEntry(
        status.toString(),
        repoId,
        commitId,
        url,
        new ManifestFile.GateEntry(gate.passed(), gate.reasons(), gate.checks()),
        uploadRule,
        list);
  }

  public ObjectNode toJson() {
    return toEntry().toTree();
  }

  /** Writes {@code publish.json} into {@code runDir} atomically. */
  public void write(Path runDir) throws IOException {
    AtomicFiles.writeString(runDir.resolve(FILE_NAME), Jsonl.pretty(toJson()));
  }
}
