package io.tunecard.publish;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.AtomicFiles;
import io.tunecard.files.Jsonl;
import java.io.IOException;
import java.nio.file.Path;
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

  public ObjectNode toJson() {
    ObjectNode o = Jsonl.MAPPER.createObjectNode();
    o.put("status", status.toString());
    o.put("repo_id", repoId);
    o.put("commit_id", commitId);
    o.put("url", url);
    ObjectNode g = o.putObject("gate");
    g.put("passed", gate.passed());
    gate.reasons().forEach(g.putArray("reasons")::add);
    gate.checks().forEach(g.putArray("checks")::add);
    o.put("upload_modes_by", uploadRule);
    ArrayNode list = o.putArray("files");
    for (CommitPayload.Entry e : files) {
      list.addObject()
          .put("path", e.file().pathInRepo())
          .put("size", e.file().size())
          .put("sha256", e.file().sha256())
          .put("mode", e.mode() == null ? null : e.mode().toString());
    }
    return o;
  }

  /** Writes {@code publish.json} into {@code runDir} atomically. */
  public void write(Path runDir) throws IOException {
    AtomicFiles.writeString(runDir.resolve(FILE_NAME), Jsonl.pretty(toJson()));
  }
}
