package io.tunecard.cluster;

import java.nio.file.Path;
import java.util.Optional;

/**
 * One JVM of a local cluster: the JobManager ({@code id} "jobmanager") or a TaskManager ({@code id}
 * "tm-N", also its Flink resource id), its process id, its log file and the ports it binds.
 *
 * @param dataPort the TaskManager's shuffle port; 0 for the JobManager
 */
public record FlinkProcess(String id, long pid, Path log, int rpcPort, int dataPort) {
  public FlinkProcess {
    if (id == null || id.isBlank()) {
      throw new IllegalArgumentException("id: expected jobmanager or tm-N, found none");
    }
    if (pid <= 0) {
      throw new IllegalArgumentException("pid: expected a process id, found " + pid);
    }
  }

  /**
   * The live process, if {@code pid} still names the JVM this record describes: one whose command
   * line starts with the cluster's marker (a recycled pid of another program never matches).
   */
  Optional<ProcessHandle> handle(Path clusterDir) {
    String marker = JvmCommand.marker(clusterDir) + " ";
    return ProcessHandle.of(pid)
        .filter(ProcessHandle::isAlive)
        .filter(h -> h.info().commandLine().map(cmd -> cmd.contains(marker)).orElse(false));
  }
}
