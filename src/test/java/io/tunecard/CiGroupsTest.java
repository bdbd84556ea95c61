package io.tunecard;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code .ci/groups.bash}, the groups of {@code .ci/run}: a line with seconds and tests per group,
 * the summary, the first failure ending the run, and the budget that stops a run before CI's
 * time-out with a message naming the slowest group. Each case runs a script of small groups in a
 * folder of its own.
 */
class CiGroupsTest {
  private static final Path GROUPS = Path.of(".ci/groups.bash").toAbsolutePath();

  @TempDir Path tmp;

  record Result(int code, String out, String err, double seconds) {}

  private Result script(String budget, String body) throws IOException, InterruptedException {
    Path script = tmp.resolve("ci.sh");
    Files.writeString(
        script, "set -euo pipefail\nsource '" + GROUPS + "'\n" + body + "\nci_summary\n");
    ProcessBuilder pb = new ProcessBuilder("bash", script.toString()).directory(tmp.toFile());
    if (budget != null) {
      pb.environment().put("CI_BUDGET_SECONDS", budget);
    }
    pb.redirectOutput(tmp.resolve("out").toFile()).redirectError(tmp.resolve("err").toFile());
    long start = System.nanoTime();
    Process p = pb.start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("the script ended").isTrue();
    return new Result(
        p.exitValue(),
        Files.readString(tmp.resolve("out"), StandardCharsets.UTF_8),
        Files.readString(tmp.resolve("err"), StandardCharsets.UTF_8),
        (System.nanoTime() - start) / 1e9);
  }

  @Test
  void eachGroupPrintsItsSecondsAndTestsThenTheSummaryAndTotal() throws Exception {
    Result r =
        script(
            null,
            """
            reports() {
              mkdir -p target/surefire-reports-$1
              printf '<testsuite name="x" tests="%s" failures="0">' "$2" \\
                > target/surefire-reports-$1/TEST-x.xml
            }
            group first reports a 5
            group second reports b 7
            group third true
            """);
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(r.out())
        .containsPattern(
            "(?s)ci: first \\d+ s \\(5 tests\\)\n.*ci: second \\d+ s \\(7 tests\\)\n"
                + ".*ci: third \\d+ s\n"
                + "ci: summary\n"
                + "ci: first \\d+ s \\(5 tests\\)\n"
                + "ci: second \\d+ s \\(7 tests\\)\n"
                + "ci: third \\d+ s\n"
                + "ci: total \\d+ s \\(12 tests\\), budget 4500 s\n");
  }

  @Test
  void theFirstFailingGroupEndsTheRunWithItsStatus() throws Exception {
    Result r =
        script(
            null,
            """
            group fine true
            group broken bash -c 'exit 3'
            group later touch later-ran
            """);
    assertThat(r.code()).isEqualTo(3);
    assertThat(r.out())
        .containsPattern("ci: broken \\d+ s \\(exit 3\\)")
        .contains("ci: later not run (an earlier group failed)");
    assertThat(tmp.resolve("later-ran")).doesNotExist();
  }

  @Test
  void aRunOverItsBudgetIsStoppedAndNamesTheSlowestGroup() throws Exception {
    Result r =
        script(
            "6",
            """
            pause() { sleep "$1"; }
            group quick true
            group slow pause 4
            group endless sleep 600
            group after touch after-ran
            """);
    assertThat(r.code()).as(r.out() + r.err()).isEqualTo(1);
    assertThat(r.seconds()).as("stopped at the budget, not after sleep 600").isLessThan(60);
    assertThat(r.out())
        .contains("ci: endless ")
        .contains("(stopped: over budget)")
        .contains("ci: after not run");
    assertThat(r.err())
        .contains("ci: FAILED: over budget")
        .contains("of its 6 s (CI_BUDGET_SECONDS) and group endless was stopped")
        .containsPattern("slowest group: slow \\(\\d s\\)");
    assertThat(tmp.resolve("after-ran")).doesNotExist();
  }
}
