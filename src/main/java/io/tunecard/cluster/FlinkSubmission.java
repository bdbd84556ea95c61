package io.tunecard.cluster;

import io.tunecard.files.BadInputException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.flink.api.common.ExecutionMode;

/**
 * How tunecard submits a pipeline to Flink, embedded or on a cluster.
 *
 * <p><b>Execution mode: {@code BATCH_FORCED}.</b> Beam's Flink runner translates a batch pipeline
 * to a Flink DataSet job whose data exchanges are pipelined by default ({@code PIPELINED}): then
 * every task of the job belongs to one pipelined region, and Flink's failover (even {@code region})
 * restarts the whole job when one task fails, training included. With {@code BATCH_FORCED} every
 * exchange between tasks is blocking: a producer's output is written in full (to its TaskManager's
 * disk) before consumers start, and every task is a region of its own. A task lost in evaluation
 * then restarts alone and re-reads its input from the finished training task's output; a finished
 * producer reruns only when its output was lost with the TaskManager that held it, and the training
 * stage itself is keyed by run id and skips when the final checkpoint is complete, so even then it
 * does not train again. The cost is writing intermediate data once to local disk, small for
 * tunecard (rows, question ids, generations). {@code BATCH} would keep forward (non-shuffle)
 * exchanges pipelined and so tie producer and consumer tasks into one region; it is also the mode
 * Beam recommends against deadlocks (FLINK-10672).
 *
 * <p><b>Staging.</b> For a cluster ({@code --flink-master host:port}) a job carries tunecard's
 * classes (class folders are packaged as a jar) and Beam's jars, 15 MB; every other dependency (DJL
 * with libtorch, Jackson, ...) must be on the TaskManagers' classpath, as {@link LocalFlinkCluster}
 * puts it and as docs/flink.md says for a real cluster. See {@link Classpath}.
 */
public final class FlinkSubmission {
  /** The batch execution mode tunecard's Flink jobs run with (see above). */
  public static final ExecutionMode EXECUTION_MODE = ExecutionMode.BATCH_FORCED;

  private FlinkSubmission() {}

  /** Whether {@code master} names a cluster rather than Flink inside this JVM. */
  public static boolean isRemote(String master) {
    return master != null && !master.isBlank() && !master.matches("\\[(local|auto|collection)\\]");
  }

  /**
   * Sets the execution mode, and for a cluster the files to stage. Call after the master is set.
   */
  public static void configure(FlinkPipelineOptions options) {
    options.setExecutionModeForBatch(EXECUTION_MODE.name());
    if (isRemote(options.getFlinkMaster())) {
      List<Path> job = Classpath.current().job();
      options.setFilesToStage(job.stream().map(Path::toString).toList());
    }
  }

  /**
   * The parallelism for a job on the cluster at {@code master}: {@code requested} when at least 1,
   * else every task slot the cluster has. Asks the cluster first, so that an address with no Flink
   * behind it, or a job wider than the cluster, fails now rather than after Flink's submission
   * retries and slot-request timeouts (minutes).
   */
  public static int parallelism(String master, int requested) {
    FlinkRest.Overview o;
    try {
      o = new FlinkRest(master).overview();
    } catch (IOException | IllegalArgumentException e) {
      throw new BadInputException(
          "--flink-master "
              + master
              + ": no Flink REST API answers there ("
              + e.getMessage()
              + "); start a local cluster with `tunecard cluster start` or give the"
              + " JobManager's REST host:port");
    }
    if (o.slotsTotal() < 1) {
      throw new BadInputException(
          "--flink-master " + master + ": the cluster has no TaskManager registered");
    }
    if (requested > o.slotsTotal()) {
      throw new BadInputException(
          "--parallelism "
              + requested
              + ": the cluster at "
              + master
              + " has only "
              + o.slotsTotal()
              + " task slot(s)");
    }
    return requested >= 1 ? requested : o.slotsTotal();
  }
}
