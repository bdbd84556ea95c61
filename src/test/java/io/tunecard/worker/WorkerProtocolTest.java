package io.tunecard.worker;

import static io.tunecard.worker.WorkerFixtures.bash;
import static io.tunecard.worker.WorkerFixtures.trainSpec;
import static org.assertj.core.api.Assertions.assertThat;

import io.tunecard.rundir.RunDirectory;
import io.tunecard.worker.ChildFailure.Kind;
import io.tunecard.worker.WorkerFixtures.Recorder;
import io.tunecard.worker.WorkerSupervisor.Options;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Children that break the protocol or die the ways a Python worker can (a bash stand-in). */
class WorkerProtocolTest {
  @TempDir Path tmp;

  private WorkerFailedException fail(String script, int retries) {
    RunDirectory run = new RunDirectory(tmp.resolve("run"));
    WorkerSupervisor sup =
        new WorkerSupervisor(
            run,
            bash(script),
            new Options(retries, new Recorder(), WorkerListener.none(), true, true));
    Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> sup.run(trainSpec(run)));
    assertThat(t).isInstanceOf(WorkerFailedException.class);
    return (WorkerFailedException) t;
  }

  @Test
  void garbageOnStdoutIsAProtocolErrorQuotingTheLineAndIsNotRetried() {
    WorkerFailedException e = fail("garbage", 2);
    assertThat(e.failure().kind()).isEqualTo(Kind.PROTOCOL);
    assertThat(e.attempts()).isEqualTo(1);
    assertThat(e)
        .hasMessageContaining(
            "protocol error: stdout line 2: not a JSON event: 'Loading checkpoint shards: 100%")
        .hasMessageContaining("(the worker was stopped)");
  }

  @Test
  void anUnknownEventIsAProtocolErrorNamingTheKey() {
    WorkerFailedException e = fail("unknown_event", 0);
    assertThat(e.failure().kind()).isEqualTo(Kind.PROTOCOL);
    assertThat(e)
        .hasMessageContaining("stdout line 2: invalid event")
        .hasMessageContaining(
            "$.event: expected one of [started, progress, metrics, checkpoint, eval_loss, log, error,"
                + " done], found \"bogus\"");
  }

  @Test
  void cudaOutOfMemoryOnStderrIsNamed() {
    WorkerFailedException e = fail("cuda_oom", 0);
    assertThat(e.failure().kind()).isEqualTo(Kind.CUDA_OUT_OF_MEMORY);
    assertThat(e)
        .hasMessageContaining("CUDA out of memory: torch.OutOfMemoryError: CUDA out of memory.")
        .hasMessageContaining("lower train.micro_batch");
  }

  @Test
  void sigkillWithoutDoneSuggestsTheOomKillerAndIsRetried() throws Exception {
    WorkerFailedException e = fail("kill9", 1);
    assertThat(e.failure().kind()).isEqualTo(Kind.KILLED_POSSIBLY_OUT_OF_MEMORY);
    assertThat(e.failure().signal()).isEqualTo("SIGKILL");
    assertThat(e.failure().exitCode()).isEqualTo(137);
    assertThat(e.attempts()).isEqualTo(2);
    assertThat(e)
        .hasMessageContaining(
            "killed by signal 9 (SIGKILL) before it finished; possibly out of memory");
    String log = Files.readString(tmp.resolve("run/logs/train.log"));
    assertThat(log).contains("[tunecard] attempt 1 of 2", "[tunecard] attempt 2 of 2");
  }

  @Test
  void aMissingPythonModuleIsAMissingDependency() {
    WorkerFailedException e = fail("no_module", 2);
    assertThat(e.failure().kind()).isEqualTo(Kind.MISSING_DEPENDENCY);
    assertThat(e.attempts()).isEqualTo(1);
    assertThat(e).hasMessageContaining("the Python module 'tunecard_worker' is not installed");
  }

  @Test
  void exitingWithoutDoneIsAProtocolError() {
    WorkerFailedException e = fail("exit0", 2);
    assertThat(e.failure().kind()).isEqualTo(Kind.PROTOCOL);
    assertThat(e).hasMessageContaining("exited with status 0 without a done event");
  }
}
