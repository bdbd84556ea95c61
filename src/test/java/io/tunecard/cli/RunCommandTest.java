package io.tunecard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.Jsonl;
import io.tunecard.testing.MedQuadSample;
import java.nio.file.Files;
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

  /**
   * Every stage of the quickstart on 400 MedQuAD pairs with a tiny model, then the stage cache at
   * work: a second run skips everything, a changed training setting reruns train and what follows.
   */
  @Test
  void runsEveryStageThenOnlyWhatAChangedSettingAffects() throws Exception {
    // 400 MedQuAD pairs as the Hub export's JSON lines: enough rows for every split, quick to read.
    Path export = tmp.resolve("medquad-400.jsonl");
    StringBuilder lines = new StringBuilder();
    for (MedQuadSample.Pair p : MedQuadSample.pairs().subList(0, 400)) {
      ObjectNode row = Jsonl.MAPPER.createObjectNode();
      row.put("document_source", "GHR");
      row.put("question_id", p.id());
      row.put("question_focus", p.id());
      row.put("question", p.question());
      row.put("answer", p.answer());
      lines.append(Jsonl.MAPPER.writeValueAsString(row)).append('\n');
    }
    Files.writeString(export, lines);
    String[] tiny = {
      "run",
      "workflows/quickstart.yaml",
      "--set",
      "dataset.source=hf-export",
      "--set",
      "dataset.path=" + export,
      "--set",
      "dataset.min_usable_rows=100",
      "--set",
      "model.max_seq_len=64",
      "--set",
      "model.tokenizer={vocab_size: 300, min_frequency: 2}",
      "--set",
      "model.scratch={hidden_size: 32, intermediate_size: 64, layers: 2, heads: 4, kv_heads: 2,"
          + " head_dim: 8, pretrain_steps: 4, pretrain_batch: 2, pretrain_seq_len: 16}",
      "--set",
      "train={engine: djl, max_steps: 4, micro_batch: 2, log_every: 2, eval_every: 2,"
          + " eval_limit: 4, save_every: eval, seed: 3}",
      "--set",
      "eval.limit=3",
      "--set",
      "eval.max_new_tokens=4",
      "--set",
      "eval.batch=3",
      "--run-dir",
      tmp.resolve("run").toString(),
      "--reports",
      tmp.resolve("reports").toString(),
      "--runner",
      "direct"
    };
    MainTest.Result first = MainTest.run(tiny);
    assertThat(first.code()).as(first.err()).isZero();
    JsonNode manifest = Jsonl.readTree(tmp.resolve("run/manifest.json"));
    for (String stage : new String[] {"ingest", "base", "train", "evaluate", "card"}) {
      assertThat(manifest.path("stages").path(stage).path("status").asText())
          .as(stage)
          .isEqualTo("done");
    }
    assertThat(manifest.path("adapter").path("sha256").asText()).hasSize(64);
    JsonNode metrics = Jsonl.readTree(tmp.resolve("run/eval/metrics.json"));
    assertThat(metrics.path("strategies").size()).isEqualTo(6);
    assertThat(first.out()).contains("evaluated 3 test questions").contains("card: ");
    assertThat(tmp.resolve("reports/quickstart/README.md")).isRegularFile();
    assertThat(tmp.resolve("reports/quickstart/index.html")).isRegularFile();

    MainTest.Result again = MainTest.run(tiny);
    assertThat(again.code()).as(again.err()).isZero();
    assertThat(again.out()).contains("Everything is up to date");

    String[] changed = java.util.Arrays.copyOf(tiny, tiny.length + 2);
    changed[tiny.length] = "--set";
    changed[tiny.length + 1] = "train.lr=5e-4";
    MainTest.Result third = MainTest.run(changed);
    assertThat(third.code()).as(third.err()).isZero();
    assertThat(third.out())
        .contains("ingest    skipped (up to date")
        .contains("base      skipped (up to date")
        .contains("train     runs (inputs changed")
        .contains("evaluate  runs (upstream reruns")
        .contains("card      runs (upstream reruns");
  }

  // Issue 18, case 1: "ingest skipped (up to date)" while dataset/ held another split than the
  // manifest described; later stages would train and evaluate on data the lineage does not name.
  @Test
  void aDatasetRewrittenByAnotherIngestIsNotReusedAsUpToDate() throws Exception {
    MainTest.Result first = run("--set", "dataset.split.seed=2", "--runner", "direct");
    assertThat(first.code()).as(first.err()).isZero();
    Path train = tmp.resolve("run/dataset/train.jsonl");
    String recorded =
        Jsonl.readTree(tmp.resolve("run/manifest.json"))
            .path("dataset")
            .path("train")
            .path("sha256")
            .asText();

    MainTest.Result other =
        MainTest.run(
            "ingest",
            "workflows/quickstart.yaml",
            "--set",
            "dataset.path=" + IngestCommandTest.FIXTURE,
            "--set",
            "dataset.min_usable_rows=1",
            "--set",
            "dataset.split.seed=1",
            "--run-dir",
            tmp.resolve("run").toString(),
            "--runner",
            "local");
    assertThat(other.code()).as(other.err()).isZero();
    assertThat(sha256(train)).as("seed 1 splits differently").isNotEqualTo(recorded);

    MainTest.Result again = run("--set", "dataset.split.seed=2", "--runner", "direct");
    assertThat(again.code()).as(again.err()).isZero();
    assertThat(again.out()).contains("ingest    runs (outputs changed: dataset/");
    assertThat(
            Jsonl.readTree(tmp.resolve("run/manifest.json"))
                .path("dataset")
                .path("train")
                .path("sha256")
                .asText())
        .isEqualTo(sha256(train))
        .isEqualTo(recorded);
  }

  static String sha256(Path file) throws Exception {
    return java.util.HexFormat.of()
        .formatHex(
            java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }
}
