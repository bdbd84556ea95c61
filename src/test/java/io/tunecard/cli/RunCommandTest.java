package io.tunecard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.files.Jsonl;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunCommandTest {
  @TempDir Path tmp;

  private MainTest.Result run(String... extra) {
    String[] base = {
      "run",
      "workflows/quickstart.yaml",
      "--set",
      "dataset.path=" + IngestCommandTest.FIXTURE,
      "--set",
      "dataset.min_usable_rows=1",
      "--run-dir",
      tmp.resolve("run").toString(),
      "--reports",
      tmp.resolve("reports").toString(),
      "--until",
      "ingest"
    };
    String[] args = new String[base.length + extra.length];
    System.arraycopy(base, 0, args, 0, base.length);
    System.arraycopy(extra, 0, args, base.length, extra.length);
    return MainTest.run(args);
  }

  @Test
  void runsOnFlinkRecordsLineageAndSkipsWhatIsUpToDate() throws Exception {
    MainTest.Result first = run();
    assertThat(first.code()).as(first.err()).isZero();
    assertThat(first.out()).contains("ingest    runs (no previous run");
    JsonNode manifest = Jsonl.readTree(tmp.resolve("run/manifest.json"));
    assertThat(manifest.path("stages").path("ingest").path("status").asText()).isEqualTo("done");
    assertThat(manifest.path("dataset").path("train").path("sha256").asText()).hasSize(64);
    assertThat(manifest.path("workflow").path("sha256").asText()).hasSize(64);
    assertThat(manifest.path("versions").path("beam").asText()).isEqualTo("2.62.0");
    assertThat(manifest.path("tunecard_version").asText())
        .isEqualTo(manifest.path("versions").path("tunecard").asText())
        .isNotBlank();

    MainTest.Result second = run();
    assertThat(second.out()).contains("ingest    skipped (up to date").contains("up to date");

    MainTest.Result forced = run("--force", "ingest");
    assertThat(forced.code()).as(forced.err()).isZero();
    assertThat(forced.out()).contains("ingest    runs (forced");
  }

  @Test
  void unknownStageIsBadInput() {
    MainTest.Result r = run("--force", "bake");
    assertThat(r.code()).isEqualTo(Main.BAD_INPUT);
    assertThat(r.err()).contains("--force").contains("unknown stage 'bake'");
  }
}
