package io.tunecard.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunecard.rundir.Manifest;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.rundir.StageOutputs;
import io.tunecard.workflow.Workflow;
import io.tunecard.workflow.WorkflowLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StagePlanTest {
  private static final List<Stage> STAGES =
      List.of(Stage.INGEST, Stage.BASE, Stage.TRAIN, Stage.EVALUATE, Stage.CARD);

  @TempDir Path dir;

  private Workflow workflow(String... overrides) {
    return WorkflowLoader.load(Path.of("workflows/quickstart.yaml"), List.of(overrides)).workflow();
  }

  private final StagePlan.Inputs inputs =
      new StagePlan.Inputs() {
        @Override
        public String extra(Stage stage) {
          return stage == Stage.INGEST ? "data-sha" : "";
        }

        @Override
        public List<Path> outputs(Stage stage) {
          return List.of(dir.resolve(stage.key() + ".out"));
        }
      };

  private void finish(Manifest m, StagePlan plan) throws Exception {
    for (StagePlan.Step s : plan.steps()) {
      if (s.run()) {
        Path out = dir.resolve(s.stage().key() + ".out");
        Files.writeString(out, "x");
        m.stageFinished(
            s.stage().key(), s.key(), Instant.now(), StageOutputs.record(dir, List.of(out)));
      }
    }
  }

  private static List<Stage> running(StagePlan plan) {
    return plan.steps().stream().filter(StagePlan.Step::run).map(StagePlan.Step::stage).toList();
  }

  @Test
  void secondRunSkipsEverythingAndOneHyperParameterRerunsOnlyDownstream() throws Exception {
    Manifest m = new Manifest(new RunDirectory(dir));
    StagePlan first = StagePlan.plan(workflow(), STAGES, m, Set.of(), inputs);
    assertThat(running(first)).containsExactlyElementsOf(STAGES);
    assertThat(first.step(Stage.INGEST).reason()).isEqualTo("no previous run");
    finish(m, first);

    StagePlan second = StagePlan.plan(workflow(), STAGES, m, Set.of(), inputs);
    assertThat(running(second)).isEmpty();
    assertThat(second.step(Stage.TRAIN).reason()).isEqualTo("up to date");

    StagePlan lr = StagePlan.plan(workflow("train.lr=5e-4"), STAGES, m, Set.of(), inputs);
    assertThat(running(lr)).containsExactly(Stage.TRAIN, Stage.EVALUATE, Stage.CARD);
    assertThat(lr.step(Stage.TRAIN).reason()).isEqualTo("inputs changed");
    assertThat(lr.step(Stage.EVALUATE).reason()).isEqualTo("upstream reruns");

    StagePlan cardOnly = StagePlan.plan(workflow("card.samples=5"), STAGES, m, Set.of(), inputs);
    assertThat(running(cardOnly)).containsExactly(Stage.CARD);
  }

  @Test
  void forceRerunsTheStageAndEverythingDownstream() throws Exception {
    Manifest m = new Manifest(new RunDirectory(dir));
    finish(m, StagePlan.plan(workflow(), STAGES, m, Set.of(), inputs));
    StagePlan forced = StagePlan.plan(workflow(), STAGES, m, Set.of(Stage.TRAIN), inputs);
    assertThat(running(forced)).containsExactly(Stage.TRAIN, Stage.EVALUATE, Stage.CARD);
    assertThat(forced.step(Stage.TRAIN).reason()).isEqualTo("forced");
    assertThat(forced.step(Stage.CARD).reason()).isEqualTo("forced upstream");
  }

  @Test
  void changedInputDataOrMissingOutputsRerun() throws Exception {
    Manifest m = new Manifest(new RunDirectory(dir));
    finish(m, StagePlan.plan(workflow(), STAGES, m, Set.of(), inputs));
    Files.delete(dir.resolve("evaluate.out"));
    StagePlan plan = StagePlan.plan(workflow(), STAGES, m, Set.of(), inputs);
    assertThat(running(plan)).containsExactly(Stage.EVALUATE, Stage.CARD);
    assertThat(plan.step(Stage.EVALUATE).reason()).isEqualTo("outputs missing");
    m.stageStarted("ingest");
    assertThat(StagePlan.plan(workflow(), STAGES, m, Set.of(), inputs).step(Stage.INGEST).reason())
        .isEqualTo("previous run did not finish");
  }

  @Test
  void anOutputChangedSinceItWasRecordedIsNotReusedAndTheReasonNamesIt() throws Exception {
    Manifest m = new Manifest(new RunDirectory(dir));
    finish(m, StagePlan.plan(workflow(), STAGES, m, Set.of(), inputs));
    Path train = dir.resolve("train.out");
    FileTime recorded = Files.getLastModifiedTime(train);

    // Touched, same bytes: hashed because its time changed, and still reused.
    Files.setLastModifiedTime(train, FileTime.fromMillis(recorded.toMillis() + 5_000));
    assertThat(running(StagePlan.plan(workflow(), STAGES, m, Set.of(), inputs))).isEmpty();

    // Other bytes of the same size under the recorded time: only --verify's hashing sees it.
    Files.writeString(train, "y");
    Files.setLastModifiedTime(train, recorded);
    assertThat(running(StagePlan.plan(workflow(), STAGES, m, Set.of(), inputs))).isEmpty();
    StagePlan verified = StagePlan.plan(workflow(), STAGES, m, Set.of(), inputs, true);
    assertThat(running(verified)).containsExactly(Stage.TRAIN, Stage.EVALUATE, Stage.CARD);
    assertThat(verified.step(Stage.TRAIN).explained())
        .startsWith("outputs changed: train.out changed (sha256 ");

    // Another size: changed without hashing.
    Files.writeString(train, "longer");
    StagePlan plan = StagePlan.plan(workflow(), STAGES, m, Set.of(), inputs);
    assertThat(plan.step(Stage.TRAIN).explained())
        .isEqualTo("outputs changed: train.out changed (6 bytes, recorded 1)");
    assertThat(plan.step(Stage.EVALUATE).reason()).isEqualTo("upstream reruns");
  }

  @Test
  void aStageRecordedWithoutItsOutputsOrWithAFileItDidNotWriteReruns() throws Exception {
    Path folder = Files.createDirectories(dir.resolve("eval"));
    Files.writeString(folder.resolve("metrics.json"), "{}");
    StagePlan.Inputs folders =
        new StagePlan.Inputs() {
          @Override
          public String extra(Stage stage) {
            return "";
          }

          @Override
          public List<Path> outputs(Stage stage) {
            return List.of(folder);
          }
        };
    Manifest m = new Manifest(new RunDirectory(dir));
    String key = StagePlan.plan(workflow(), STAGES, m, Set.of(), folders).step(Stage.INGEST).key();
    m.stageFinished("ingest", key, Instant.now(), null);
    assertThat(StagePlan.plan(workflow(), STAGES, m, Set.of(), folders).step(Stage.INGEST).reason())
        .isEqualTo("outputs not recorded");

    m.stageFinished("ingest", key, Instant.now(), StageOutputs.record(dir, List.of(folder)));
    assertThat(StagePlan.plan(workflow(), STAGES, m, Set.of(), folders).step(Stage.INGEST).run())
        .isFalse();
    Files.writeString(folder.resolve("extra.json"), "{}");
    Files.writeString(folder.resolve(".hidden.tmp-1"), "{}");
    assertThat(
            StagePlan.plan(workflow(), STAGES, m, Set.of(), folders).step(Stage.INGEST).explained())
        .isEqualTo("outputs changed: eval/extra.json was not written by this stage");
  }
}
