package io.tunecard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.files.Jsonl;
import io.tunecard.hub.FakeDownloadHub;
import io.tunecard.ingest.IngestConfigs;
import io.tunecard.ingest.IngestStage;
import io.tunecard.pipeline.Runners;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.testing.ParquetExport;
import io.tunecard.workflow.DatasetSpec;
import io.tunecard.workflow.SplitSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dataset.source: hub} end to end: {@code tunecard ingest} (a separate process, so that its
 * environment names the fake Hub and a fresh cache) pulls the dataset's parquet file, reads it with
 * ParquetIO on the embedded Flink runner, and writes the same splits as the JSONL export it was
 * made from; the manifest names the commit and the file's sha256.
 */
@Timeout(300)
class HubDatasetIngestTest {
  static final Path JSONL =
      Path.of("src/test/resources/io/tunecard/ingest/hf-export/medquad-sample.jsonl");
  @TempDir Path tmp;

  @Test
  void aHubDatasetIsPulledAndIngestedLikeItsExport() throws Exception {
    byte[] parquet = ParquetExport.write(JSONL, tmp.resolve("export.parquet"));
    try (FakeDownloadHub fake = new FakeDownloadHub("hf_unused")) {
      String commit =
          fake.add(
              "datasets/lavita/MedQuAD",
              Map.of(
                  "data/train-00000-of-00001.parquet",
                  parquet,
                  "README.md",
                  "# MedQuAD\n".getBytes(StandardCharsets.UTF_8)));
      Path workflow = tmp.resolve("hubdata.yaml");
      Files.writeString(
          workflow,
          "name: hubdata\n"
              + "dataset: {source: hub, repo: lavita/MedQuAD, min_usable_rows: 1}\n"
              + "model: {base: some/model}\n");
      ProcessBuilder pb =
          new ProcessBuilder(
              Path.of(System.getProperty("java.home"), "bin", "java").toString(),
              "-Xmx1g",
              "-cp",
              System.getProperty("java.class.path"),
              "io.tunecard.cli.Main",
              "ingest",
              workflow.toString(),
              "--run-dir",
              tmp.resolve("run").toString(),
              "--runner",
              "flink",
              "--parallelism",
              "2");
      pb.environment().remove("HF_HUB_OFFLINE");
      pb.environment().put("HF_ENDPOINT", fake.endpoint());
      pb.environment().put("HF_HUB_CACHE", tmp.resolve("hub").toString());
      pb.environment().put("HF_TOKEN_PATH", tmp.resolve("no-token").toString());
      pb.redirectErrorStream(true);
      pb.redirectOutput(tmp.resolve("ingest.log").toFile());
      Process p = pb.start();
      assertThat(p.waitFor(280, TimeUnit.SECONDS)).isTrue();
      String log = Files.readString(tmp.resolve("ingest.log"));
      assertThat(p.exitValue()).as(log).isZero();
      assertThat(log).contains("dataset lavita/MedQuAD is not complete").contains("verified");
      assertThat(fake.requests("/datasets/lavita/MedQuAD/resolve/.*")).hasSize(1);

      JsonNode hub = Jsonl.readTree(tmp.resolve("run/manifest.json")).path("hub").get(0);
      assertThat(hub.path("key").asText()).isEqualTo("dataset.repo");
      assertThat(hub.path("repo_type").asText()).isEqualTo("dataset");
      assertThat(hub.path("commit").asText()).isEqualTo(commit);
      assertThat(hub.path("files").get(0).path("sha256").asText())
          .isEqualTo(FakeDownloadHub.sha256(parquet));
    }
    DatasetSpec export =
        new DatasetSpec(
            "hf-export",
            JSONL.toString(),
            "auto",
            true,
            "exact",
            1,
            2L << 30,
            100_000,
            new SplitSpec(0.70, 0.15, 0.15, 42, "none"));
    IngestStage.run(
        IngestConfigs.context(export, new RunDirectory(tmp.resolve("jsonl"))),
        Runners.beamOrLocal(Runners.Kind.LOCAL, null, 1),
        Runners.workers(1));
    for (String split : List.of("train.jsonl", "validation.jsonl", "test.jsonl")) {
      assertThat(Files.readAllBytes(tmp.resolve("run/dataset").resolve(split)))
          .as(split)
          .isEqualTo(Files.readAllBytes(tmp.resolve("jsonl/dataset").resolve(split)));
    }
  }
}
