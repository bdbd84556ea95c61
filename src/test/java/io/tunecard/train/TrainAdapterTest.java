package io.tunecard.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunecard.rundir.RunDirectory;
import io.tunecard.worker.Checkpoints;
import io.tunecard.workflow.WorkflowContext;
import java.nio.file.Path;
import java.util.List;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Keys;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stages as Beam transforms on the DirectRunner: under a new stage key the base is rebuilt and
 * the fine-tune runs in its child process; running the pipeline again under the same key reuses the
 * base and finds the finished training (not started twice).
 */
class TrainAdapterTest {
  @TempDir Path tmp;

  @Test
  void theTransformsRunTheStagesOnceAndARerunSkipsTheFinishedTraining() throws Exception {
    RunDirectory run = TinyRun.withBase(tmp.resolve("run"));
    WorkflowContext input =
        WorkflowContext.of("tiny.yaml", TinyRun.YAML, List.of(), run.root()).forStage("key-1");
    for (int attempt = 0; attempt < 2; attempt++) {
      TestPipeline p = TestPipeline.create().enableAbandonedNodeEnforcement(true);
      PCollection<KV<String, BaseResult>> base =
          p.apply("Start", Create.of("base")).apply("Base", new PrepareBase(input));
      PCollection<KV<String, TrainResult>> trained =
          base.apply("BaseDone", Keys.create()).apply("Train", new TrainAdapter(input));
      boolean rerun = attempt == 1;
      String key = run.root().toString();
      PAssert.that(base)
          .satisfies(
              out -> {
                BaseResult b = out.iterator().next().getValue();
                // The first run has no recorded stage key: the base stage starts clean.
                assertThat(b.reused()).isEqualTo(rerun);
                return null;
              });
      PAssert.that(trained)
          .satisfies(
              out -> {
                KV<String, TrainResult> kv = out.iterator().next();
                assertThat(kv.getKey()).isEqualTo(key);
                assertThat(kv.getValue().finalStep()).isEqualTo(8);
                assertThat(kv.getValue().adapterSha256()).hasSize(64);
                assertThat(kv.getValue().alreadyFinished()).isEqualTo(rerun);
                return null;
              });
      p.run().waitUntilFinish();
      assertThat(Checkpoints.isFinished(run.train())).isTrue();
    }
  }
}
