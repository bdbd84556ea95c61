package io.tunecard.rundir;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import io.tunecard.files.Jsonl;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestHubTest {
  @TempDir Path dir;

  static ArrayNode entries(String... keyAndCommit) {
    ArrayNode a = Jsonl.MAPPER.createArrayNode();
    for (int i = 0; i < keyAndCommit.length; i += 2) {
      a.addObject().put("key", keyAndCommit[i]).put("commit", keyAndCommit[i + 1]);
    }
    return a;
  }

  @Test
  void hubEntriesOfACommandReplaceOnlyTheKeysItUsed() throws Exception {
    Manifest m = new Manifest(new RunDirectory(dir));
    m.recordLineage(
        new ManifestFile.WorkflowEntry("w", "w.yaml", null, List.of()),
        null,
        Map.of("tunecard", "x"),
        Map.of());
    m.recordHub(entries("dataset.repo", "d1", "model.base", "m1"));
    // evaluate later: the model moved on; the dataset entry stays as ingest recorded it
    m.recordHub(entries("model.base", "m2", "eval.bertscore.model", "e1"));
    assertThat(m.read().tunecardVersion()).isEqualTo("x");
    assertThat(Jsonl.readTree(dir.resolve("manifest.json")).path("hub").findValuesAsText("commit"))
        .containsExactly("d1", "m2", "e1");
  }
}
