package io.tunecard.pipeline;

import io.tunecard.rundir.Manifest;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.rundir.StageOutputs;
import java.nio.file.Path;
import java.util.List;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;

/**
 * The steps that frame a stage inside the one pipeline of a run. {@link #start} records in
 * manifest.json that the stage began, {@link #finish} that it ended with its cache key, the files
 * it wrote ({@link StageOutputs}: size, time and sha256 of each) and what it produced (see {@link
 * Outcomes}); both reduce whatever came before to the single signal the next step waits for, so a
 * stage starts only once everything upstream is written.
 */
final class StageMarks<T> extends PTransform<PCollection<T>, PCollection<String>> {
  private static final long serialVersionUID = 1L;
  private final String runRoot;
  private final Stage stage;
  private final String key;
  private final List<String> outputs;

  private StageMarks(Path runRoot, Stage stage, String key, List<Path> outputs) {
    this.runRoot = runRoot.toString();
    this.stage = stage;
    this.key = key;
    this.outputs = outputs.stream().map(Path::toString).toList();
  }

  /** Marks {@code stage} as running once its input is complete. */
  static <T> StageMarks<T> start(Path runRoot, Stage stage) {
    return new StageMarks<>(runRoot, stage, null, List.of());
  }

  /**
   * Marks {@code stage} done with cache key {@code key} once its output is complete, recording the
   * files under {@code outputs}.
   */
  static <T> StageMarks<T> finish(Path runRoot, Stage stage, String key, List<Path> outputs) {
    return new StageMarks<>(runRoot, stage, key, outputs);
  }

  @Override
  public PCollection<String> expand(PCollection<T> input) {
    PCollection<Long> done = input.apply("WaitForAll", Count.<T>globally());
    return done.apply(
        key == null ? "MarkStarted" : "MarkDone", ParDo.of(new Mark(runRoot, stage, key, outputs)));
  }

  private static final class Mark extends DoFn<Long, String> {
    private static final long serialVersionUID = 1L;
    private final String runRoot;
    private final Stage stage;
    private final String key;
    private final List<String> outputs;

    Mark(String runRoot, Stage stage, String key, List<String> outputs) {
      this.runRoot = runRoot;
      this.stage = stage;
      this.key = key;
      this.outputs = List.copyOf(outputs);
    }

    @ProcessElement
    public void process(OutputReceiver<String> out) {
      RunDirectory run = new RunDirectory(Path.of(runRoot));
      Manifest manifest = new Manifest(run);
      if (key == null) {
        manifest.stageStarted(stage.key());
      } else {
        manifest.stageFinished(
            stage.key(),
            key,
            StageOutputs.record(run.root(), outputs.stream().map(Path::of).toList()));
        Outcomes.record(stage, manifest);
      }
      out.output(stage.key());
    }
  }
}
