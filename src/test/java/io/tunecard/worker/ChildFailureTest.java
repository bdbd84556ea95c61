package io.tunecard.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunecard.worker.ChildFailure.Kind;
import io.tunecard.worker.ChildFailure.Observation;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The classification rules on their own, including deaths the process tests cannot stage. */
class ChildFailureTest {
  private static ChildFailure of(int code, String kind, String message, List<String> stderr) {
    return ChildFailure.classify(
        new Observation(code, kind, message, null, false, List.of(), stderr, null));
  }

  @Test
  void signalsAreNamedFromTheExitStatus() {
    assertThat(of(137, null, null, List.of()))
        .satisfies(f -> assertThat(f.kind()).isEqualTo(Kind.KILLED_POSSIBLY_OUT_OF_MEMORY))
        .satisfies(f -> assertThat(f.signal()).isEqualTo("SIGKILL"));
    ChildFailure segv = of(139, null, null, List.of());
    assertThat(segv.kind()).isEqualTo(Kind.NATIVE_CRASH);
    assertThat(segv.summary())
        .isEqualTo("crashed with signal 11 (SIGSEGV) (a native abort or crash)");
    assertThat(of(134, null, null, List.of()).signal()).isEqualTo("SIGABRT");
    assertThat(of(143, null, null, List.of()).summary()).isEqualTo("killed by signal 15 (SIGTERM)");
  }

  @Test
  void theChildsOwnErrorEventWinsOverItsExitStatus() {
    assertThat(of(2, "bad_input", "dataset/train.jsonl:3: bad", List.of()).kind())
        .isEqualTo(Kind.BAD_INPUT);
    assertThat(
            of(1, "out_of_memory", "CUDA out of memory. Tried to allocate 2 GiB", List.of()).kind())
        .isEqualTo(Kind.CUDA_OUT_OF_MEMORY);
    assertThat(of(1, "out_of_memory", "host memory", List.of()).kind())
        .isEqualTo(Kind.OUT_OF_MEMORY);
    assertThat(of(137, "missing_dependency", "bitsandbytes", List.of()).retryable()).isFalse();
    assertThat(of(1, "internal", "boom", List.of()).summary())
        .isEqualTo("worker error: boom (status 1)");
  }

  @Test
  void stderrTellsFatalPythonErrorsAndMissingModules() {
    assertThat(of(134, null, null, List.of("Fatal Python error: Aborted", "")).summary())
        .isEqualTo("the Python worker aborted (signal 6 (SIGABRT)): Fatal Python error: Aborted");
    ChildFailure noTorch =
        of(1, null, null, List.of("ModuleNotFoundError: No module named 'torch'"));
    assertThat(noTorch.kind()).isEqualTo(Kind.MISSING_DEPENDENCY);
    assertThat(noTorch.summary()).contains("'torch' is not installed");
  }

  @Test
  void aJvmCrashBannerOnStdoutGivesTheProblematicFrame() {
    ChildFailure f =
        ChildFailure.classify(
            new Observation(
                1,
                null,
                null,
                "stdout line 5: not a JSON event: '#'",
                false,
                List.of("#", "# Problematic frame:", "# C  [libtorch_cpu.so+0x1234]  at::foo()"),
                List.of(),
                Path.of("/run/logs/hs_err_pid42.log")));
    assertThat(f.kind()).isEqualTo(Kind.NATIVE_CRASH);
    assertThat(f.summary())
        .isEqualTo(
            "the worker JVM crashed in native code (status 1, in C  [libtorch_cpu.so+0x1234]"
                + "  at::foo()); crash report: /run/logs/hs_err_pid42.log");
  }

  @Test
  void describeAddsTheLastStderrLinesAndTheLog() {
    ChildFailure f = of(3, null, null, List.of("a", "b", "c"));
    assertThat(f.describe(2, Path.of("/run/logs/train.log")))
        .isEqualTo(
            "exited with status 3; stderr ends with: c\n"
                + "last lines of its stderr (all of it: /run/logs/train.log):\n  | b\n  | c");
  }
}
