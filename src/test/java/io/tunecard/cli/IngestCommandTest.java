package io.tunecard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IngestCommandTest {
  static final String FIXTURE = "src/test/resources/io/tunecard/ingest/medquad";

  @TempDir Path tmp;

  MainTest.Result ingest(String path, String... more) {
    String[] base = {
      "ingest",
      "workflows/quickstart.yaml",
      "--set",
      "dataset.path=" + path,
      "--set",
      "dataset.min_usable_rows=1",
      "--run-dir",
      tmp.resolve("run").toString()
    };
    String[] args = new String[base.length + more.length];
    System.arraycopy(base, 0, args, 0, base.length);
    System.arraycopy(more, 0, args, base.length, more.length);
    return MainTest.run(args);
  }

  @Test
  void ingestWritesTheDatasetAndPrintsASummary() {
    MainTest.Result r = ingest(FIXTURE, "--runner", "local");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("51 records read")
        .contains("36 usable")
        .contains("train")
        .contains("validation")
        .contains("duplicate 3, empty_answer 12");
    for (String f :
        new String[] {
          "train.jsonl", "validation.jsonl", "test.jsonl", "stats.json", "rejected.jsonl"
        }) {
      assertThat(tmp.resolve("run/dataset/" + f)).exists();
    }
  }

  @Test
  void aMissingPathIsBadInputWithoutAStackTrace() {
    MainTest.Result r = ingest(tmp.resolve("nowhere").toString());
    assertThat(r.code()).isEqualTo(Main.BAD_INPUT);
    assertThat(r.err()).contains("dataset.path").contains("does not exist").doesNotContain("\tat ");
    assertThat(tmp.resolve("run/dataset")).doesNotExist();
  }

  @Test
  void tooFewUsableRowsIsBadInputOnTheDirectRunner() {
    MainTest.Result r =
        MainTest.run(
            "ingest",
            "workflows/quickstart.yaml",
            "--set",
            "dataset.path=" + FIXTURE,
            "--run-dir",
            tmp.resolve("run").toString(),
            "--runner",
            "direct");
    assertThat(r.code()).isEqualTo(Main.BAD_INPUT);
    assertThat(r.err())
        .contains("only 36 usable rows, fewer than dataset.min_usable_rows (10000)")
        .doesNotContain("\tat ");
    assertThat(tmp.resolve("run/dataset")).doesNotExist();
  }

  @Test
  void aZipBombIsBadInput() throws IOException {
    Path bomb = tmp.resolve("bomb.zip");
    try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(bomb))) {
      z.putNextEntry(new ZipEntry("MedQuAD/1_CancerGov_QA/0000001.xml"));
      OutputStream out = z;
      out.write(new byte[8 << 20]);
      z.closeEntry();
    }
    MainTest.Result r = ingest(bomb.toString(), "--set", "dataset.max_inflated_bytes=1000000");
    assertThat(r.code()).isEqualTo(Main.BAD_INPUT);
    assertThat(r.err()).contains("bomb.zip").contains("dataset.max_inflated_bytes");
  }

  @Test
  void runnerOptionsAreChecked() {
    MainTest.Result bogus = ingest(FIXTURE, "--runner", "spark");
    assertThat(bogus.code()).isEqualTo(Main.BAD_INPUT);
    assertThat(bogus.err()).contains("local, direct or flink").contains("spark");
    MainTest.Result master = ingest(FIXTURE, "--runner", "direct", "--flink-master", "host:8081");
    assertThat(master.code()).isEqualTo(Main.BAD_INPUT);
    assertThat(master.err()).contains("--flink-master needs --runner flink");
  }

  // Issue 18, case 5: a 0-byte CSV ended with rc 1 and the CSV library's own message.
  @Test
  void anEmptyCsvIsBadInputNamingTheFile() throws IOException {
    Path csv = Files.createFile(tmp.resolve("empty.csv"));
    for (String runner : new String[] {"local", "direct"}) {
      MainTest.Result r =
          ingest(csv.toString(), "--set", "dataset.source=hf-export", "--runner", runner);
      assertThat(r.code()).as(runner + ": " + r.err()).isEqualTo(Main.BAD_INPUT);
      assertThat(r.err())
          .contains("empty.csv")
          .contains("empty")
          .contains("document_source, question_id, question, answer")
          .doesNotContain("can not bind data")
          .doesNotContain("\tat ");
      assertThat(tmp.resolve("run/dataset")).doesNotExist();
    }
  }

  // Issue 18, case 7: the default zip limits let a 190 MB entry inflate (1.18 GB of memory).
  @Test
  void aZipEntryPastTheDefaultFileLimitIsRefusedAndTheOthersAreRead() throws Exception {
    Path zip = tmp.resolve("medquad.zip");
    try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(zip))) {
      for (Path xml : List.of(Path.of(FIXTURE, "3_GHR_QA/0000708.xml"))) {
        z.putNextEntry(new ZipEntry("MedQuAD/3_GHR_QA/0000708.xml"));
        z.write(Files.readAllBytes(xml));
        z.closeEntry();
      }
      z.putNextEntry(new ZipEntry("MedQuAD/3_GHR_QA/9999999.xml"));
      String answer = "a".repeat(2 << 20);
      z.write(
          ("<Document id=\"9999999\" source=\"GHR\"><Focus>Big</Focus><QAPairs>"
                  + "<QAPair pid=\"1\"><Question qid=\"9999999-1\" qtype=\"information\">"
                  + "What is big?</Question><Answer>"
                  + answer
                  + "</Answer></QAPair></QAPairs></Document>")
              .getBytes(StandardCharsets.UTF_8));
      z.closeEntry();
    }
    MainTest.Result r = ingest(zip.toString(), "--runner", "local");
    assertThat(r.code()).as(r.err()).isZero();
    String rejected = Files.readString(tmp.resolve("run/dataset/rejected.jsonl"));
    assertThat(rejected)
        .contains("MedQuAD/3_GHR_QA/9999999.xml")
        .contains("zip_entry_refused")
        .contains("dataset.max_file_bytes");
    assertThat(
            Files.readString(tmp.resolve("run/dataset/train.jsonl"))
                + Files.readString(tmp.resolve("run/dataset/validation.jsonl"))
                + Files.readString(tmp.resolve("run/dataset/test.jsonl")))
        .contains("GHR_0000708")
        .doesNotContain("What is big?");
  }
}
