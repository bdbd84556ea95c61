package io.tunecard.pipeline;

import io.tunecard.cluster.FlinkSubmission;
import java.util.Locale;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.options.StreamingOptions;

/**
 * Pipeline options for the runners tunecard uses: Beam's DirectRunner (tests, quick local runs),
 * Flink embedded in this JVM ({@code [local]}, the default of {@code tunecard run}), or a Flink
 * cluster at {@code host:port}. Flink always runs in batch mode, with blocking exchanges.
 */
public final class Runners {
  private Runners() {}

  /**
   * The runner a command asked for. {@code LOCAL} is no Beam runner: a stage that has an in-process
   * path (ingest) runs its steps' classes directly, in this JVM.
   */
  public enum Kind {
    LOCAL,
    DIRECT,
    FLINK;

    public static Kind parse(String s) {
      try {
        return valueOf(s.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "--runner: expected local, direct or flink, found '" + s + "'");
      }
    }
  }

  /** Workers for {@code parallelism}: itself when at least 1, else one per core. */
  public static int workers(int parallelism) {
    return parallelism >= 1 ? parallelism : Runtime.getRuntime().availableProcessors();
  }

  /** Flink's name for a cluster inside this JVM. */
  public static final String LOCAL = "[local]";

  /** The Beam options for {@code kind}, or null for {@code local} (a stage's in-process path). */
  public static PipelineOptions beamOrLocal(Kind kind, String flinkMaster, int parallelism) {
    return kind == Kind.LOCAL ? null : options(kind, flinkMaster, parallelism);
  }

  /**
   * Options for {@code kind}. {@code flinkMaster} is {@code [local]} or {@code host:port} (ignored
   * by the DirectRunner); {@code parallelism} below 1 means one worker per core.
   */
  public static PipelineOptions options(Kind kind, String flinkMaster, int parallelism) {
    if (kind == Kind.LOCAL) {
      throw new IllegalArgumentException("runner: local runs no Beam pipeline");
    }
    int workers = workers(parallelism);
    PipelineOptions options = PipelineOptionsFactory.create();
    options.setJobName("tunecard");
    if (kind == Kind.DIRECT) {
      DirectOptions direct = options.as(DirectOptions.class);
      direct.setRunner(DirectRunner.class);
      direct.setTargetParallelism(workers);
      direct.setBlockOnRun(true);
      // The stage's coders are exercised by the tests (which keep these checks on); a real run
      // skips re-encoding every element after every step.
      direct.setEnforceImmutability(false);
      direct.setEnforceEncodability(false);
      return direct;
    }
    FlinkPipelineOptions flink = options.as(FlinkPipelineOptions.class);
    flink.setRunner(FlinkRunner.class);
    String master = flinkMaster == null || flinkMaster.isBlank() ? LOCAL : flinkMaster;
    flink.setFlinkMaster(master);
    // On a cluster, the default is every slot it has (and an unreachable address fails now).
    flink.setParallelism(
        FlinkSubmission.isRemote(master)
            ? FlinkSubmission.parallelism(master, parallelism)
            : workers);
    // Blocking exchanges (a failure in evaluation does not rerun training) and, for a cluster,
    // only tunecard's own classes staged: see FlinkSubmission.
    FlinkSubmission.configure(flink);
    flink.setAttachedMode(true);
    // Steps never modify their input elements, so chained Flink operators may pass them on
    // without a defensive copy.
    flink.setFasterCopy(true);
    flink.as(StreamingOptions.class).setStreaming(false);
    return flink;
  }
}
