package io.tunecard.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunecard.worker.Checkpoints.Checkpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointsTest {
  @TempDir Path train;

  private Path dir() {
    return train.resolve("checkpoints");
  }

  private Checkpoint save(long step, Double evalLoss) throws Exception {
    return Checkpoints.write(
        dir(),
        step,
        d ->
            Files.writeString(
                d.resolve(Checkpoints.TRAINER_STATE),
                "{\"global_step\":" + step + ",\"eval_loss\":" + evalLoss + "}"));
  }

  private List<String> names() throws Exception {
    try (Stream<Path> s = Files.list(dir())) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void writingLeavesOneCompleteDirectoryWithTheMarkerHoldingTheStep() throws Exception {
    Checkpoint c = save(120, 1.5);
    assertThat(names()).containsExactly("step-120");
    assertThat(Files.readString(c.path().resolve("COMPLETE"))).isEqualTo("120\n");
    assertThat(Checkpoints.isComplete(c)).isTrue();
    save(120, 1.4); // rewriting a step replaces it whole
    assertThat(names()).containsExactly("step-120");
    assertThat(Checkpoints.evalLoss(c)).hasValue(1.4);
  }

  @Test
  void theLastCompleteCheckpointIgnoresAndReportsIncompleteOnes() throws Exception {
    save(50, null);
    save(100, null);
    Files.createDirectories(dir().resolve("step-120"));
    Files.writeString(Files.createDirectories(dir().resolve("step-130")).resolve("COMPLETE"), "13");
    Files.createDirectories(dir().resolve(".step-140.tmp-1234"));
    Files.createDirectories(dir().resolve("notes"));
    List<String> notes = new ArrayList<>();
    assertThat(Checkpoints.lastComplete(dir(), notes::add)).map(Checkpoint::step).hasValue(100L);
    assertThat(notes)
        .containsExactly(
            "ignoring step-120: no COMPLETE marker (incomplete checkpoint)",
            "ignoring step-130: its COMPLETE marker holds '13', not the step 130");
    assertThat(names()).contains("step-120", ".step-140.tmp-1234");
  }

  @Test
  void preparingAResumeRemovesWhatCannotBeResumedFrom() throws Exception {
    save(100, null);
    Files.createDirectories(dir().resolve("step-120"));
    Files.createDirectories(dir().resolve(".step-140.tmp-1234"));
    List<String> notes = new ArrayList<>();
    assertThat(Checkpoints.prepareResume(dir(), notes::add)).map(Checkpoint::step).hasValue(100L);
    assertThat(notes)
        .containsExactly(
            "ignoring step-120: no COMPLETE marker (incomplete checkpoint); removed",
            "removing .step-140.tmp-1234 (an interrupted checkpoint write)");
    assertThat(names()).containsExactly("step-100");
    assertThat(Checkpoints.prepareResume(train.resolve("none"), notes::add)).isEmpty();
  }

  @Test
  void retentionKeepsTheLastKAndTheBestByEvalLoss() throws Exception {
    save(10, 2.0);
    save(20, 1.2);
    save(30, 1.5);
    save(40, null);
    save(50, 1.2); // ties go to the earlier step
    List<String> notes = new ArrayList<>();
    List<Checkpoint> removed = Checkpoints.retain(dir(), 2, notes::add);
    assertThat(removed).extracting(Checkpoint::step).containsExactly(10L, 30L);
    assertThat(names()).containsExactly("step-20", "step-40", "step-50");
    assertThat(notes)
        .first()
        .isEqualTo("removed checkpoint step-10 (keeping the last 2 and the best, step-20)");
    assertThat(Checkpoints.retain(dir(), 5, notes::add)).isEmpty();
  }

  @Test
  void trainingIsFinishedOnlyWhenDoneJsonNamesACompleteCheckpointThatReachedItsStep()
      throws Exception {
    assertThat(Checkpoints.isFinished(train)).isFalse();
    new TrainingDone(60, 0.9, "step-20").write(train);
    assertThat(Checkpoints.isFinished(train)).isFalse(); // no step-60
    Files.createDirectories(dir().resolve("step-60"));
    Files.writeString(dir().resolve("step-60/trainer_state.json"), "{\"global_step\":60}");
    assertThat(Checkpoints.isFinished(train)).isFalse(); // no marker
    Files.writeString(dir().resolve("step-60/COMPLETE"), "60");
    assertThat(Checkpoints.finished(train)).hasValue(new TrainingDone(60, 0.9, "step-20"));
    Files.writeString(dir().resolve("step-60/trainer_state.json"), "{\"global_step\":59}");
    assertThat(Checkpoints.isFinished(train)).isFalse(); // the state disagrees
    Files.writeString(train.resolve("DONE.json"), "{\"final_step\":");
    assertThat(Checkpoints.isFinished(train)).isFalse(); // unreadable
  }
}
