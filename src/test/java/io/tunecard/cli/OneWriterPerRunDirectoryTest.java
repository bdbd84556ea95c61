package io.tunecard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18, case 2: two commands writing one run directory ran together (the last one won), and a
 * killed ingest left its {@code .dataset.tmp-<uuid>/} behind for good. Here a real {@code tunecard
 * run} in another JVM ingests MedQuAD while a second command asks for the same run directory, and
 * is then killed with SIGKILL.
 */
class OneWriterPerRunDirectoryTest {
  @TempDir Path tmp;

  private MainTest.Result ingest(Path run) {
    return MainTest.run(
        "ingest",
        "workflows/quickstart.yaml",
        "--set",
        "dataset.path=" + IngestCommandTest.FIXTURE,
        "--set",
        "dataset.min_usable_rows=1",
        "--run-dir",
        run.toString(),
        "--runner",
        "local");
  }

  private static List<Path> stagingFolders(Path run) throws IOException {
    if (!Files.isDirectory(run)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(run)) {
      return s.filter(p -> p.getFileName().toString().startsWith(".dataset.tmp-")).toList();
    }
  }

  @Test
  void aSecondCommandIsRefusedWhileOneRunsAndAKilledRunLeavesNothingBehind() throws Exception {
    Path run = tmp.resolve("run");
    Process child =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx2g",
                "-Dai.djl.offline=true",
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "run",
                "workflows/quickstart.yaml",
                "--until",
                "ingest",
                "--run-dir",
                run.toString(),
                "--reports",
                tmp.resolve("reports").toString())
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("child.log").toFile())
            .start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (stagingFolders(run).isEmpty() && child.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(stagingFolders(run))
          .as("the child's ingest is under way (%s)", Files.readString(tmp.resolve("child.log")))
          .isNotEmpty();

      MainTest.Result second = ingest(run);
      assertThat(second.code()).as(second.out() + second.err()).isEqualTo(Main.BAD_INPUT);
      assertThat(second.err()).contains("pid " + child.pid()).contains(run.toString());

      child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      assertThat(stagingFolders(run)).as("what the killed run left").isNotEmpty();

      MainTest.Result third = ingest(run);
      assertThat(third.code()).as(third.err()).isZero();
      assertThat(third.out() + third.err())
          .contains("pid " + child.pid())
          .contains("no longer running");
      assertThat(stagingFolders(run)).isEmpty();
      assertThat(run.resolve("dataset/train.jsonl")).isRegularFile();
    } finally {
      child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }
}
