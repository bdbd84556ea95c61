package io.tunecard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tunecard verify} on a real run directory: 0 when it matches, 1 naming what does not. */
class VerifyCommandTest {
  @TempDir Path tmp;

  @Test
  void aRunMatchesItsManifestUntilAnOutputChanges() throws Exception {
    Path run = tmp.resolve("run");
    MainTest.Result ingest =
        MainTest.run(
            "run",
            "workflows/quickstart.yaml",
            "--set",
            "dataset.path=" + IngestCommandTest.FIXTURE,
            "--set",
            "dataset.min_usable_rows=1",
            "--until",
            "ingest",
            "--runner",
            "direct",
            "--run-dir",
            run.toString());
    assertThat(ingest.code()).as(ingest.err()).isZero();

    MainTest.Result ok = MainTest.run("verify", run.toString());
    assertThat(ok.code()).as(ok.out() + ok.err()).isZero();
    assertThat(ok.out())
        .contains("ingest    ok (4 files)")
        .contains("dataset   ok (train ")
        .contains("verified: the run directory matches manifest.json");

    Path train = run.resolve("dataset/train.jsonl");
    String rows = Files.readString(train);
    assertThat(rows).contains("\"answer\":\"");
    Files.writeString(train, rows.replaceFirst("\"answer\":\"", "\"answer\":\"X"));
    MainTest.Result changed = MainTest.run("verify", run.toString());
    assertThat(changed.code()).isEqualTo(Main.FAILURE);
    assertThat(changed.out())
        .contains("ingest    DIFFERS")
        .contains("dataset/train.jsonl changed (")
        .contains("dataset/train.jsonl is not the file manifest.json records")
        .contains("verified: 2 difference(s) from manifest.json");
  }

  @Test
  void aMissingRunOrManifestIsBadInput() throws Exception {
    MainTest.Result none = MainTest.run("verify", tmp.resolve("nowhere").toString());
    assertThat(none.code()).isEqualTo(Main.BAD_INPUT);
    assertThat(none.err()).contains("no such run directory");
    Files.createDirectories(tmp.resolve("empty"));
    MainTest.Result empty = MainTest.run("verify", tmp.resolve("empty").toString());
    assertThat(empty.code()).isEqualTo(Main.BAD_INPUT);
    assertThat(empty.err()).contains("manifest.json: not found");
    Files.writeString(tmp.resolve("empty/manifest.json"), "{\n  \"stages\": [1,\n");
    MainTest.Result bad = MainTest.run("verify", tmp.resolve("empty").toString());
    assertThat(bad.code()).isEqualTo(Main.BAD_INPUT);
    assertThat(bad.err()).contains("manifest.json:").contains("not valid JSON");
  }
}
