package io.tunecard.train;

import io.tunecard.worker.WorkerCommand;
import io.tunecard.workflow.Workflow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The worker command of an engine: {@code djl} starts {@link DjlWorker} in a child JVM with {@code
 * OMP_WAIT_POLICY=PASSIVE} (libgomp's spinning threads made some steps ten times slower on a busy
 * 2-core machine; docs/model.md), {@code hf} starts {@code <train.python> -m tunecard_worker}.
 *
 * <p>No MKL settings: on a 2-core machine, fresh training children of one seed gave bit-identical
 * metrics and adapters with {@code MKL_CBWR=AUTO,STRICT}, {@code MKL_DYNAMIC=FALSE} and {@code
 * OMP_DYNAMIC=FALSE} (74 runs) and without them (40 runs), the same bits either way, also under a 1
 * MB young generation that forces frequent garbage collections.
 */
final class Launchers {
  static final Map<String, String> DJL_ENV = Map.of("OMP_WAIT_POLICY", "PASSIVE");

  private Launchers() {}

  static WorkerCommand of(String engine, Workflow w, StageOptions options) {
    WorkerCommand c =
        WorkerCommand.forEngine(engine, DjlWorker.class.getName(), w.train().python());
    if (c instanceof WorkerCommand.Jvm jvm) {
      List<String> jvmOptions = new ArrayList<>(jvm.jvmOptions());
      // DJL probes for CUDA at start-up and warns on hosts with a CUDA runtime but no driver.
      jvmOptions.add("-Dorg.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils=error");
      jvmOptions.addAll(options.childJvmOptions());
      Map<String, String> env = new LinkedHashMap<>(jvm.env());
      // A value the user exported wins: it reaches the child through the inherited environment.
      DJL_ENV.forEach(
          (k, v) -> env.putIfAbsent(k, System.getenv(k) == null ? v : System.getenv(k)));
      return new WorkerCommand.Jvm(jvm.mainClass(), jvm.maxHeap(), jvmOptions, env);
    }
    return c;
  }
}
