package io.tunecard.publish;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.files.Jsonl;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommitPayloadTest {
  @TempDir Path tmp;

  @Test
  void headerFirstThenOneLinePerFile() throws Exception {
    LocalFile readme =
        LocalFile.of(Files.writeString(tmp.resolve("README.md"), "# hi\n"), "README.md");
    LocalFile weights =
        LocalFile.of(
            Files.write(tmp.resolve("w"), new byte[] {0, 1, 2}), "adapter_model.safetensors");
    byte[] body =
        CommitPayload.ndjson(
            "summary",
            "desc",
            "a".repeat(40),
            List.of(
                new CommitPayload.Entry(readme, UploadModes.Mode.REGULAR),
                new CommitPayload.Entry(weights, UploadModes.Mode.LFS)));

    String[] lines = new String(body, StandardCharsets.UTF_8).split("\n");
    assertThat(lines).hasSize(3);
    JsonNode header = Jsonl.MAPPER.readTree(lines[0]);
    assertThat(header.toString())
        .isEqualTo(
            "{\"key\":\"header\",\"value\":{\"summary\":\"summary\",\"description\":\"desc\","
                + "\"parentCommit\":\""
                + "a".repeat(40)
                + "\"}}");
    JsonNode file = Jsonl.MAPPER.readTree(lines[1]);
    assertThat(file.path("key").asText()).isEqualTo("file");
    assertThat(file.path("value").path("path").asText()).isEqualTo("README.md");
    assertThat(file.path("value").path("encoding").asText()).isEqualTo("base64");
    assertThat(Base64.getDecoder().decode(file.path("value").path("content").asText()))
        .isEqualTo("# hi\n".getBytes(StandardCharsets.UTF_8));
    JsonNode lfs = Jsonl.MAPPER.readTree(lines[2]);
    assertThat(lfs.toString())
        .isEqualTo(
            "{\"key\":\"lfsFile\",\"value\":{\"path\":\"adapter_model.safetensors\",\"algo\":\"sha256\","
                + "\"oid\":\""
                + weights.sha256()
                + "\",\"size\":3}}");
  }

  @Test
  void noParentCommitKeyWithoutAParent() throws Exception {
    LocalFile f = LocalFile.of(Files.writeString(tmp.resolve("a"), "a"), "a");
    String body =
        new String(
            CommitPayload.ndjson(
                "s", "", null, List.of(new CommitPayload.Entry(f, UploadModes.Mode.REGULAR))),
            StandardCharsets.UTF_8);
    assertThat(body).doesNotContain("parentCommit");
  }
}
