package io.tunecard.cluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessSpec;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.apache.flink.runtime.jobmanager.JobManagerProcessSpec;
import org.apache.flink.runtime.jobmanager.JobManagerProcessUtils;
import org.apache.flink.runtime.util.config.memory.ProcessMemoryUtils;

/**
 * The command lines of the cluster's JVMs, as Flink's {@code jobmanager.sh} and {@code
 * taskmanager.sh} build them: the memory pools are derived from the configured process sizes by
 * Flink's own code (what the scripts run through {@code BashJavaUtils}) and handed to the JVM as
 * heap, direct and metaspace limits and to Flink as {@code -D} settings.
 */
final class JvmCommand {
  static final String JOB_MANAGER =
      "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint";
  static final String TASK_MANAGER = "org.apache.flink.runtime.taskexecutor.TaskManagerRunner";

  /**
   * The module openings Flink 1.19's distribution passes on Java 17 ({@code env.java.opts.all} of
   * its default configuration), for Kryo, Pekko and the memory manager.
   */
  static final List<String> JAVA_17_OPENS =
      List.of(
          "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
          "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
          "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
          "--add-opens=java.base/java.lang=ALL-UNNAMED",
          "--add-opens=java.base/java.net=ALL-UNNAMED",
          "--add-opens=java.base/java.io=ALL-UNNAMED",
          "--add-opens=java.base/java.nio=ALL-UNNAMED",
          "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
          "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
          "--add-opens=java.base/java.text=ALL-UNNAMED",
          "--add-opens=java.base/java.time=ALL-UNNAMED",
          "--add-opens=java.base/java.util=ALL-UNNAMED",
          "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
          "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
          "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");

  private JvmCommand() {}

  /**
   * The first argument of every JVM of a cluster: names its folder, so that a pid read back from
   * {@code cluster.json} is recognised (Linux shows only the first 4096 characters of a command
   * line, and the classpath comes later).
   */
  static String marker(Path clusterDir) {
    return "-Dtunecard.cluster=" + clusterDir;
  }

  static List<String> jobManager(Configuration conf, Path confDir, Path log, String classpath) {
    JobManagerProcessSpec spec =
        JobManagerProcessUtils.processSpecFromConfigWithNewOptionToInterpretLegacyHeap(
            conf, JobManagerOptions.JVM_HEAP_MEMORY);
    List<String> cmd =
        java(confDir, log, classpath, JobManagerProcessUtils.generateJvmParametersStr(spec, conf));
    cmd.add(JOB_MANAGER);
    cmd.addAll(List.of("--configDir", confDir.toString()));
    cmd.addAll(words(JobManagerProcessUtils.generateDynamicConfigsStr(spec)));
    return cmd;
  }

  /**
   * A TaskManager; {@code threads} is its CPU share, also given to libtorch (DJL) and OpenMP so
   * TaskManagers on one host do not oversubscribe its cores.
   */
  static List<String> taskManager(
      Configuration conf,
      Path confDir,
      Path log,
      String classpath,
      String id,
      int rpcPort,
      int dataPort,
      int threads) {
    TaskExecutorProcessSpec spec =
        TaskExecutorProcessUtils.processSpecFromConfig(
            TaskExecutorProcessUtils.getConfigurationMapLegacyTaskManagerHeapSizeToConfigOption(
                conf, TaskManagerOptions.TOTAL_FLINK_MEMORY));
    List<String> cmd =
        java(confDir, log, classpath, ProcessMemoryUtils.generateJvmParametersStr(spec));
    cmd.add("-Dai.djl.pytorch.num_threads=" + threads);
    cmd.add("-Dai.djl.pytorch.num_interop_threads=1");
    // Where tunecard is installed: a worker child started from this TaskManager passes it on (the
    // hf engine's Python sources are under it).
    cmd.add("-Dtunecard.home=" + home());
    // Flink's env.java.opts.taskmanager, as taskmanager.sh passes it.
    cmd.addAll(words(conf.get(CoreOptions.FLINK_TM_JVM_OPTIONS)));
    cmd.add(TASK_MANAGER);
    cmd.addAll(List.of("--configDir", confDir.toString()));
    cmd.addAll(words(TaskExecutorProcessUtils.generateDynamicConfigsStr(spec)));
    cmd.addAll(List.of("-D", "taskmanager.resource-id=" + id));
    cmd.addAll(List.of("-D", "taskmanager.rpc.port=" + rpcPort));
    cmd.addAll(List.of("-D", "taskmanager.data.port=" + dataPort));
    return cmd;
  }

  private static List<String> java(Path confDir, Path log, String classpath, String memory) {
    List<String> cmd = new ArrayList<>();
    cmd.add(javaBinary());
    cmd.add(marker(confDir.getParent()));
    cmd.addAll(words(memory));
    cmd.addAll(JAVA_17_OPENS);
    cmd.add("-Dai.djl.offline=true");
    cmd.add("-Djava.awt.headless=true");
    // Flink's web UI shows the file named by log.file; slf4j-simple writes to stderr, which goes
    // there.
    cmd.add("-Dlog.file=" + log);
    cmd.add("-Dorg.slf4j.simpleLogger.showDateTime=true");
    cmd.add("-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSS");
    cmd.add("-cp");
    cmd.add(classpath);
    return cmd;
  }

  /**
   * The tunecard installation this cluster is started from: {@code tunecard.home} (the launcher
   * sets it), else the working directory.
   */
  static Path home() {
    String home = System.getProperty("tunecard.home");
    return (home == null || home.isBlank() ? Path.of("") : Path.of(home))
        .toAbsolutePath()
        .normalize();
  }

  /**
   * The environment of a TaskManager: its CPU share for OpenMP. (No MKL switches: training is
   * bit-reproducible across processes without them, docs/training.md.)
   */
  static Map<String, String> taskManagerEnvironment(int threads) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("OMP_NUM_THREADS", String.valueOf(threads));
    return env;
  }

  static String javaBinary() {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    return Files.isExecutable(java) ? java.toString() : "java";
  }

  private static List<String> words(String s) {
    return s == null || s.isBlank()
        ? List.of()
        : new ArrayList<>(Arrays.asList(s.strip().split("\\s+")));
  }
}
