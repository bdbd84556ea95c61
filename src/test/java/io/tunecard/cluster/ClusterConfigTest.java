package io.tunecard.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cluster's configuration file and JVM command lines, without starting anything. */
class ClusterConfigTest {
  @TempDir Path tmp;

  @Test
  void aSpecRefusesWhatFlinkCannotRunNamingTheField() {
    assertThatThrownBy(() -> ClusterSpec.of(0, 1, tmp))
        .hasMessage("task managers: expected 1 to 64, found 0");
    assertThatThrownBy(() -> ClusterSpec.of(1, 0, tmp)).hasMessageContaining("slots");
    assertThatThrownBy(() -> ClusterSpec.of(1, 1, tmp).withTaskManagerMemory("lots"))
        .hasMessageContaining("task manager memory: expected a size such as 1536m or 2g");
    assertThatThrownBy(() -> ClusterSpec.of(1, 1, tmp).withTaskManagerMemory("512m"))
        .hasMessageContaining("at least 1024m");
    assertThat(ClusterSpec.of(1, 1, tmp).withTaskManagerMemory("2G").taskManagerMemory())
        .isEqualTo("2g");
    assertThat(ClusterSpec.megabytes("2g")).isEqualTo(2048);
  }

  @Test
  void flinkReadsTheWrittenConfigYamlBackAsWritten() throws IOException {
    ClusterSpec spec = ClusterSpec.of(2, 3, tmp.resolve("it's here"));
    Map<String, String> settings =
        FlinkConfigFile.settings(spec, new FlinkConfigFile.Ports(8081, 6123, 6124));
    Path conf = tmp.resolve("conf");
    FlinkConfigFile.write(conf, settings);
    assertThat(conf.resolve("config.yaml")).exists();
    assertThat(conf.resolve("flink-conf.yaml")).doesNotExist();

    Configuration read = GlobalConfiguration.loadConfiguration(conf.toString());
    assertThat(read.toMap()).containsAllEntriesOf(settings);
    assertThat(read.toMap())
        .containsEntry("rest.bind-address", "127.0.0.1")
        .containsEntry("taskmanager.bind-host", "127.0.0.1")
        .containsEntry("taskmanager.numberOfTaskSlots", "3")
        .containsEntry("taskmanager.cpu.cores", "3")
        .containsEntry("parallelism.default", "6")
        .containsEntry("jobmanager.execution.failover-strategy", "region")
        .containsEntry("restart-strategy.type", "fixed-delay")
        .containsEntry("io.tmp.dirs", spec.dir().resolve("tmp").toString());
  }

  @Test
  void theJvmsGetFlinksMemoryPoolsAsItsScriptsComputeThem() {
    ClusterSpec spec = ClusterSpec.of(1, 2, tmp);
    Configuration conf =
        FlinkConfigFile.configuration(
            FlinkConfigFile.settings(spec, new FlinkConfigFile.Ports(1, 2, 3)));
    Path confDir = tmp.resolve("conf");
    List<String> tm =
        JvmCommand.taskManager(
            conf, confDir, tmp.resolve("tm.log"), "deps.jar", "tm-7", 4001, 4002, 2);
    assertThat(tm.get(1)).isEqualTo(JvmCommand.marker(tmp));
    assertThat(tm).anyMatch(a -> a.startsWith("-Xmx")).anyMatch(a -> a.startsWith("-XX:MaxDirect"));
    assertThat(tm)
        .contains(
            JvmCommand.TASK_MANAGER,
            "taskmanager.resource-id=tm-7",
            "taskmanager.rpc.port=4001",
            "taskmanager.data.port=4002",
            "taskmanager.cpu.cores=2.0",
            "-Dai.djl.pytorch.num_threads=2",
            "--add-opens=java.base/java.util=ALL-UNNAMED")
        .anyMatch(a -> a.startsWith("taskmanager.memory.task.heap.size="))
        .anyMatch(a -> a.startsWith("taskmanager.memory.managed.size="));
    assertThat(tm.subList(tm.indexOf("-cp"), tm.indexOf("-cp") + 2))
        .containsExactly("-cp", "deps.jar");

    assertThat(tm).contains("-Dtunecard.home=" + JvmCommand.home());
    assertThat(JvmCommand.home()).isAbsolute();

    List<String> jm = JvmCommand.jobManager(conf, confDir, tmp.resolve("jm.log"), "deps.jar");
    assertThat(jm).contains(JvmCommand.JOB_MANAGER, "--configDir", confDir.toString());
    assertThat(jm).anyMatch(a -> a.startsWith("-Xmx"));
  }

  @Test
  void taskManagersGetFlinksTaskManagerJavaOptions() {
    Map<String, String> settings =
        new java.util.LinkedHashMap<>(
            FlinkConfigFile.settings(
                ClusterSpec.of(1, 1, tmp), new FlinkConfigFile.Ports(1, 2, 3)));
    Configuration plain = FlinkConfigFile.configuration(settings);
    settings.put("env.java.opts.taskmanager", "-Dtunecard.x=1  -Dtunecard.y=2");
    Configuration conf = FlinkConfigFile.configuration(settings);
    List<String> tm =
        JvmCommand.taskManager(conf, tmp, tmp.resolve("tm.log"), "deps.jar", "tm-1", 1, 2, 1);
    assertThat(tm.subList(0, tm.indexOf(JvmCommand.TASK_MANAGER)))
        .containsSubsequence("-Dtunecard.x=1", "-Dtunecard.y=2");
    assertThat(JvmCommand.taskManager(plain, tmp, tmp, "deps.jar", "tm-1", 1, 2, 1))
        .noneMatch(a -> a.startsWith("-Dtunecard.x"))
        .doesNotContain("");
  }

  @Test
  void taskManagersGetTheirCpuShare() {
    Map<String, String> env = JvmCommand.taskManagerEnvironment(3);
    assertThat(env).containsExactly(Map.entry("OMP_NUM_THREADS", "3"));
  }

  @Test
  void jobsCarryTunecardAndBeamAndTaskManagersKeepTheRest() throws IOException {
    Path classes = Files.createDirectories(tmp.resolve("target/classes"));
    Path beam = Files.createFile(tmp.resolve("beam-sdks-java-core-2.62.0.jar"));
    Path vendor = Files.createFile(tmp.resolve("beam-vendor-guava-32.jar"));
    Path direct = Files.createFile(tmp.resolve("beam-runners-direct-java-2.62.0.jar"));
    Path djl = Files.createFile(tmp.resolve("pytorch-native-cpu-2.7.1.jar"));
    Path app = Files.createFile(tmp.resolve("tunecard-0.1.0.jar"));
    String cp =
        String.join(
            java.io.File.pathSeparator,
            List.of(
                classes.toString(),
                beam.toString(),
                vendor.toString(),
                direct.toString(),
                djl.toString(),
                app.toString(),
                tmp.resolve("missing.jar").toString()));
    Classpath split = Classpath.of(cp);
    assertThat(split.job()).containsExactly(classes, beam, app);
    assertThat(split.cluster()).containsExactly(vendor, djl);
  }

  @Test
  void stateRoundTripsThroughClusterJsonWithPidFiles() throws IOException {
    FlinkProcess jm = new FlinkProcess("jobmanager", 100, tmp.resolve("log/jm.log"), 6123, 0);
    FlinkProcess tm = new FlinkProcess("tm-1", 101, tmp.resolve("log/tm-1.log"), 7000, 7001);
    new ClusterState(8081, jm, List.of(tm)).write(tmp);
    assertThat(ClusterState.read(tmp)).contains(new ClusterState(8081, jm, List.of(tm)));
    assertThat(tmp.resolve("tm-1.pid")).hasContent("101");
    assertThat(tmp.resolve("jobmanager.pid")).hasContent("100");
    new ClusterState(8081, jm, List.of()).write(tmp);
    assertThat(tmp.resolve("tm-1.pid")).doesNotExist();
    ClusterState.delete(tmp);
    assertThat(ClusterState.read(tmp)).isEmpty();
  }

  @Test
  void aPidOfAnotherProgramIsNeverTakenForTheCluster() throws IOException {
    FlinkProcess self = new FlinkProcess("tm-1", ProcessHandle.current().pid(), tmp, 1, 2);
    // This JVM is alive but was not started with the cluster's marker.
    assertThat(self.handle(tmp)).isEmpty();
    new ClusterState(1, self, List.of()).write(tmp);
    assertThat(LocalFlinkCluster.running(tmp)).isEmpty();
  }

  @Test
  void freePortsAreDistinct() {
    assertThat(FreePorts.pick(5)).doesNotHaveDuplicates().allMatch(p -> p > 0);
  }
}
