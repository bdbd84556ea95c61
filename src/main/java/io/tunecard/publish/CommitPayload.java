package io.tunecard.publish;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.Jsonl;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * The body of one Hub commit, NDJSON: a {@code header} line (summary, description, parentCommit)
 * then one line per file — {@code file} with the base64 content for a regular file, {@code lfsFile}
 * with the sha256 oid and size for an LFS file already uploaded. One body is one atomic commit: the
 * Hub applies all of it or none.
 */
public final class CommitPayload {
  private CommitPayload() {}

  /** A file of the commit and how it travels. */
  public record Entry(LocalFile file, UploadModes.Mode mode) {}

  /**
   * @param parentCommit the head the commit must follow; null only for a repository without one
   */
  public static byte[] ndjson(
      String summary, String description, String parentCommit, List<Entry> entries) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ObjectNode header = Jsonl.MAPPER.createObjectNode().put("key", "header");
    ObjectNode value = header.putObject("value");
    value.put("summary", summary);
    value.put("description", description);
    if (parentCommit != null) {
      value.put("parentCommit", parentCommit);
    }
    line(out, header);
    for (Entry e : entries) {
      ObjectNode line = Jsonl.MAPPER.createObjectNode();
      ObjectNode v;
      if (e.mode() == UploadModes.Mode.REGULAR) {
        line.put("key", "file");
        v = line.putObject("value");
        v.put("content", Base64.getEncoder().encodeToString(e.file().content()));
        v.put("path", e.file().pathInRepo());
        v.put("encoding", "base64");
      } else {
        line.put("key", "lfsFile");
        v = line.putObject("value");
        v.put("path", e.file().pathInRepo());
        v.put("algo", "sha256");
        v.put("oid", e.file().sha256());
        v.put("size", e.file().size());
      }
      line(out, line);
    }
    return out.toByteArray();
  }

  private static void line(ByteArrayOutputStream out, ObjectNode node) {
    out.writeBytes(Jsonl.write(node).getBytes(StandardCharsets.UTF_8));
    out.write('\n');
  }
}
