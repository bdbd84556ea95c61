package io.tunecard.train;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.Jsonl;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.worker.ProgressDisplay;
import io.tunecard.worker.WorkerListener;
import io.tunecard.workflow.Workflow;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training child killed with SIGKILL, once mid-run and once while it writes a checkpoint: the
 * supervisor restarts it, it resumes from the last complete checkpoint and ends at the same step
 * with the same final loss, adapter and metrics rows as an uninterrupted run with the same seed.
 * Each case runs real child JVMs (a few seconds each).
 */
class ResumeAfterKillTest {
  @TempDir static Path shared;
  static TrainResult uninterrupted;
  static List<JsonNode> uninterruptedRows;

  static final Workflow W = TinyRun.workflow();

  /** Collects the supervisor's reports. */
  static final class Recorder implements ProgressDisplay {
    final List<String> messages = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void progress(Progress p) {}

    @Override
    public void message(String line) {
      messages.add(line);
    }

    @Override
    public void finish() {}
  }

  static StageOptions options(Recorder r) {
    return StageOptions.defaults().withDisplay(r);
  }

  @BeforeAll
  static void trainWithoutInterruption() throws IOException {
    RunDirectory run = TinyRun.withBase(shared.resolve("plain"));
    uninterrupted = TrainingStage.train(W, run, options(new Recorder()));
    uninterruptedRows = rows(run);
  }

  @Test
  void aChildKilledMidRunResumesAndEndsExactlyLikeAnUninterruptedRun() throws IOException {
    RunDirectory run = TinyRun.withBase(shared.resolve("killed"));
    Path token = shared.resolve("hold-once");
    Files.writeString(token, "hold");
    AtomicBoolean killed = new AtomicBoolean();
    WorkerListener killAtStep6 =
        (event, child) -> {
          // The child holds after step 6's training row, before checkpoint 6 is written, until
          // it is killed: resume is from step-4 however late this listener runs.
          if (event.name().equals("metrics")
              && event.integer("step") == 6
              && event.json().has("loss")
              && killed.compareAndSet(false, true)) {
            child.destroyForcibly(); // SIGKILL
          }
        };
    Recorder r = new Recorder();
    TrainResult result =
        TrainingStage.train(
            W,
            run,
            options(r)
                .withListener(killAtStep6)
                .withChildJvmOptions(
                    List.of("-D" + FaultInjection.HOLD + "=6:" + token.toAbsolutePath())));
    assertThat(token).doesNotExist();
    assertThat(killed).isTrue();
    assertThat(r.messages).anyMatch(m -> m.contains("killed by signal 9 (SIGKILL)"));
    assertThat(r.messages).anyMatch(m -> m.contains("from checkpoint step-4"));
    assertSameAsUninterrupted(result, run);
  }

  @Test
  void aChildKilledWhileWritingACheckpointResumesFromThePreviousOne() throws IOException {
    RunDirectory run = TinyRun.withBase(shared.resolve("torn"));
    Path token = shared.resolve("kill-once");
    Files.writeString(token, "kill");
    Recorder r = new Recorder();
    TrainResult result =
        TrainingStage.train(
            W,
            run,
            options(r)
                .withChildJvmOptions(
                    List.of("-D" + FaultInjection.PROPERTY + "=4:" + token.toAbsolutePath())));
    assertThat(token).doesNotExist();
    assertThat(r.messages).anyMatch(m -> m.contains("killed by signal 9 (SIGKILL)"));
    assertThat(r.messages).anyMatch(m -> m.contains("an interrupted checkpoint write"));
    assertThat(r.messages).anyMatch(m -> m.contains("from checkpoint step-2"));
    assertSameAsUninterrupted(result, run);
  }

  private static void assertSameAsUninterrupted(TrainResult result, RunDirectory run)
      throws IOException {
    assertThat(result.finalStep()).isEqualTo(uninterrupted.finalStep()).isEqualTo(8);
    assertThat(Math.abs(result.finalLoss() - uninterrupted.finalLoss())).isLessThanOrEqualTo(1e-6);
    assertThat(result.adapterSha256()).isEqualTo(uninterrupted.adapterSha256());
    assertThat(result.finalEvalLoss()).isEqualTo(uninterrupted.finalEvalLoss());
    assertThat(rows(run)).isEqualTo(uninterruptedRows);
  }

  /** metrics.jsonl without the timing-dependent tokens_per_s. */
  static List<JsonNode> rows(RunDirectory run) throws IOException {
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode row : Jsonl.readAll(run.trainMetrics())) {
      ((ObjectNode) row).remove("tokens_per_s");
      out.add(row);
    }
    return out;
  }
}
