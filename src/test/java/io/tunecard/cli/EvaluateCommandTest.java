package io.tunecard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunecard.evaluate.EvalRunFixture;
import io.tunecard.files.AtomicFiles;
import io.tunecard.rundir.RunDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvaluateCommandTest {
  @TempDir Path tmp;

  @Test
  void evaluatesAnExistingRunAndPrintsTheSummary() throws Exception {
    RunDirectory run = EvalRunFixture.copyTo(tmp.resolve("run"));
    Path workflow = tmp.resolve("evaltest.yaml");
    Files.writeString(workflow, EvalRunFixture.YAML);
    MainTest.Result r =
        MainTest.run(
            "evaluate",
            workflow.toString(),
            "--run-dir",
            run.root().toString(),
            "--runner",
            "direct",
            "--parallelism",
            "2",
            "--set",
            "eval.strategies=[{name: greedy}]");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("evaluated 6 test questions")
        .contains("eval loss step-4")
        .contains("greedy")
        .contains("bertscore not computed");
    assertThat(run.evalMetrics()).isRegularFile();
    assertThat(run.generations("greedy")).isRegularFile();
  }

  @Test
  void aRunWithoutCheckpointsIsBadInput() throws Exception {
    RunDirectory run = EvalRunFixture.copyTo(tmp.resolve("run"));
    AtomicFiles.deleteTree(run.checkpoints());
    Path workflow = tmp.resolve("evaltest.yaml");
    Files.writeString(workflow, EvalRunFixture.YAML);
    MainTest.Result r =
        MainTest.run(
            "evaluate",
            workflow.toString(),
            "--run-dir",
            run.root().toString(),
            "--runner",
            "direct");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("no complete checkpoint");
    assertThat(run.eval()).doesNotExist();
  }
}
