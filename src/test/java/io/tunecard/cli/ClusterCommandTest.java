package io.tunecard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tunecard cluster} without starting a cluster: usage errors and an empty folder. */
class ClusterCommandTest {
  @TempDir Path tmp;

  @Test
  void badSizesAreUsageErrorsNamingTheOption() {
    MainTest.Result r =
        MainTest.run("cluster", "start", "--task-managers", "0", "--dir", tmp.toString());
    assertThat(r.code()).isEqualTo(Main.BAD_INPUT);
    assertThat(r.err()).contains("task managers: expected 1 to 64, found 0");
    r = MainTest.run("cluster", "start", "--tm-memory", "1", "--dir", tmp.toString());
    assertThat(r.code()).isEqualTo(Main.BAD_INPUT);
    assertThat(r.err()).contains("task manager memory");
  }

  @Test
  void stopAndStatusSayWhenNoClusterRuns() {
    MainTest.Result stop = MainTest.run("cluster", "stop", "--dir", tmp.toString());
    assertThat(stop.code()).isZero();
    assertThat(stop.out()).contains("no Flink cluster runs from");
    MainTest.Result status = MainTest.run("cluster", "status", "--dir", tmp.toString());
    assertThat(status.code()).isEqualTo(Main.FAILURE);
    assertThat(status.out()).contains("no Flink cluster runs from");
  }

  @Test
  void aFlinkMasterWithoutFlinkIsBadInputBeforeAnyJobStarts() {
    MainTest.Result r =
        MainTest.run(
            "ingest",
            "workflows/quickstart.yaml",
            "--run-dir",
            tmp.resolve("run").toString(),
            "--flink-master",
            "localhost:1");
    assertThat(r.code()).isEqualTo(Main.BAD_INPUT);
    assertThat(r.err()).contains("--flink-master localhost:1: no Flink REST API answers there");
    assertThat(tmp.resolve("run/dataset")).doesNotExist();
  }
}
