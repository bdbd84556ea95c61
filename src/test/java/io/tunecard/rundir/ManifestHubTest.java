package io.tunecard.rundir;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunecard.files.Jsonl;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestHubTest {
  @TempDir Path dir;

  static List<ManifestFile.HubEntry> entries(String... keyAndCommit) {
    List<ManifestFile.HubEntry> a = new ArrayList<>();
    for (int i = 0; i < keyAndCommit.length; i += 2) {
      a.add(
          new ManifestFile.HubEntry(
              keyAndCommit[i], "o/r", "model", "main", keyAndCommit[i + 1], List.of()));
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
