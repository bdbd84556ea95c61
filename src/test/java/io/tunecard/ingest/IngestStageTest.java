package io.tunecard.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tunecard.files.BadInputException;
import io.tunecard.pipeline.Runners;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.testing.ParquetExport;
import io.tunecard.workflow.DatasetSpec;
import io.tunecard.workflow.SplitSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IngestStageTest {
  static final Path FIXTURE = Path.of("src/test/resources/io/tunecard/ingest/medquad");
  static final Path HF = Path.of("src/test/resources/io/tunecard/ingest/hf-export");
  static final List<String> FILES =
      List.of("train.jsonl", "validation.jsonl", "test.jsonl", "stats.json", "rejected.jsonl");
  static final List<String> SPLITS = List.of("train.jsonl", "validation.jsonl", "test.jsonl");

  @TempDir Path tmp;

  static DatasetSpec spec(Path input, String source, int minUsable, String groupBy) {
    return new DatasetSpec(
        source,
        input.toString(),
        "auto",
        true,
        "exact",
        minUsable,
        2L << 30,
        100_000,
        new SplitSpec(0.70, 0.15, 0.15, 42, groupBy));
  }

  IngestSummary ingest(DatasetSpec spec, String run, Runners.Kind kind) {
    RunDirectory dir = new RunDirectory(tmp.resolve(run));
    return IngestStage.run(IngestConfigs.context(spec, dir), Runners.beamOrLocal(kind, null, 2), 2);
  }

  static void assertSameFiles(Path a, Path b, List<String> names) throws IOException {
    for (String n : names) {
      assertThat(Files.readAllBytes(b.resolve(n)))
          .as(n)
          .isEqualTo(Files.readAllBytes(a.resolve(n)));
    }
  }

  @Test
  void theInProcessPathWritesWhatTheDirectRunnerWrites() throws IOException {
    DatasetSpec spec = spec(FIXTURE, "medquad-xml", 1, "focus");
    IngestSummary direct = ingest(spec, "direct", Runners.Kind.DIRECT);
    IngestSummary local = ingest(spec, "local", Runners.Kind.LOCAL);
    assertThat(local).isEqualTo(direct);
    assertSameFiles(tmp.resolve("direct/dataset"), tmp.resolve("local/dataset"), FILES);
    assertThat(direct.split("train").sha256())
        .isEqualTo(IngestSummary.sha256(tmp.resolve("direct/dataset/train.jsonl")));
    try (Stream<Path> left = Files.list(tmp.resolve("direct"))) {
      assertThat(left.map(p -> p.getFileName().toString())).containsExactly("dataset");
    }
  }

  @Test
  void aZipOfTheFoldersGivesTheSameSplits() throws IOException {
    Path zip = tmp.resolve("medquad.zip");
    try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(zip));
        Stream<Path> files = Files.walk(FIXTURE)) {
      for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
        z.putNextEntry(new ZipEntry("MedQuAD/" + FIXTURE.relativize(f)));
        z.write(Files.readAllBytes(f));
        z.closeEntry();
      }
    }
    ingest(spec(FIXTURE, "medquad-xml", 1, "none"), "dir", Runners.Kind.LOCAL);
    IngestSummary fromZip = ingest(spec(zip, "medquad-xml", 1, "none"), "zip", Runners.Kind.DIRECT);
    assertThat(fromZip.usable()).isEqualTo(36);
    assertSameFiles(tmp.resolve("dir/dataset"), tmp.resolve("zip/dataset"), SPLITS);
  }

  @Test
  void theHubExportGivesTheSameSplitsAsTheXmlItCameFrom() throws IOException {
    Path subset = tmp.resolve("subset");
    for (String f :
        List.of(
            "10_MPlus_ADAM_QA/0002236.xml",
            "2_GARD_QA/0002079.xml",
            "3_GHR_QA/0000708.xml",
            "5_NIDDK_QA/0000153.xml",
            "8_NHLBI_QA_XML/0000121.xml",
            "9_CDC_QA/0000438.xml")) {
      Files.createDirectories(subset.resolve(f).getParent());
      Files.copy(FIXTURE.resolve(f), subset.resolve(f));
    }
    ingest(spec(subset, "medquad-xml", 1, "none"), "xml", Runners.Kind.LOCAL);
    ingest(
        spec(HF.resolve("medquad-sample.jsonl"), "hf-export", 1, "none"),
        "jsonl",
        Runners.Kind.DIRECT);
    ingest(
        spec(HF.resolve("medquad-sample.csv"), "hf-export", 1, "none"), "csv", Runners.Kind.LOCAL);
    Path parquet = tmp.resolve("medquad-sample.parquet");
    ParquetExport.write(HF.resolve("medquad-sample.jsonl"), parquet);
    ingest(spec(parquet, "hf-export", 1, "none"), "parquet", Runners.Kind.DIRECT);
    assertSameFiles(tmp.resolve("xml/dataset"), tmp.resolve("jsonl/dataset"), SPLITS);
    assertSameFiles(tmp.resolve("xml/dataset"), tmp.resolve("csv/dataset"), SPLITS);
    assertSameFiles(tmp.resolve("xml/dataset"), tmp.resolve("parquet/dataset"), SPLITS);
    assertThatThrownBy(
            () -> ingest(spec(parquet, "hf-export", 1, "none"), "local", Runners.Kind.LOCAL))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("use --runner direct or flink");
  }

  @Test
  void tooFewUsableRowsFailNamingTheThresholdAndKeepThePreviousDataset() throws IOException {
    ingest(spec(FIXTURE, "medquad-xml", 1, "none"), "run", Runners.Kind.LOCAL);
    byte[] before = Files.readAllBytes(tmp.resolve("run/dataset/train.jsonl"));
    for (Runners.Kind kind : List.of(Runners.Kind.LOCAL, Runners.Kind.DIRECT)) {
      assertThatThrownBy(() -> ingest(spec(FIXTURE, "medquad-xml", 10_000, "none"), "run", kind))
          .isInstanceOf(BadInputException.class)
          .hasMessageContaining("only 36 usable rows")
          .hasMessageContaining("dataset.min_usable_rows (10000)")
          .hasMessageContaining("empty_answer=12");
      assertThat(Files.readAllBytes(tmp.resolve("run/dataset/train.jsonl"))).isEqualTo(before);
      try (Stream<Path> left = Files.list(tmp.resolve("run"))) {
        assertThat(left.map(p -> p.getFileName().toString())).containsExactly("dataset");
      }
    }
  }

  @Test
  void aMissingInputFailsBeforeAnyRunnerStarts() {
    for (Runners.Kind kind : Runners.Kind.values()) {
      assertThatThrownBy(
              () -> ingest(spec(tmp.resolve("nope"), "medquad-xml", 1, "none"), "run", kind))
          .isInstanceOf(BadInputException.class)
          .hasMessageContaining("does not exist");
    }
  }
}
