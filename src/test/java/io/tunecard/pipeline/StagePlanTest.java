package io.tunecard.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunecard.rundir.Manifest;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.workflow.Workflow;
import io.tunecard.workflow.WorkflowLoader;
import java.nio.file.Files;
import java.nio.file.Path;
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
        m.recordStage(s.stage().key(), s.key(), Instant.now(), x -> {});
        Files.writeString(dir.resolve(s.stage().key() + ".out"), "x");
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
    m.update(x -> x.with("stages").with("ingest").put("status", "running"));
    assertThat(StagePlan.plan(workflow(), STAGES, m, Set.of(), inputs).step(Stage.INGEST).reason())
        .isEqualTo("previous run did not finish");
  }
}
