package io.tunecard.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tunecard.rundir.RunDirectory;
import io.tunecard.worker.WorkerSupervisor.Options;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunLockTest {
  @TempDir Path tmp;

  @Test
  void aSecondHolderInThisProcessIsRefusedUntilTheFirstReleases() {
    Path file = tmp.resolve("train/.lock");
    try (RunLock first = RunLock.acquire(file, "training")) {
      assertThatThrownBy(() -> RunLock.acquire(file, "training"))
          .isInstanceOf(RunLock.LockedException.class)
          .hasMessageContaining(
              "already running in this process (pid " + ProcessHandle.current().pid());
    }
    RunLock.acquire(file, "training").close();
  }

  @Test
  void anotherProcessHoldingTheLockIsNamedByItsPid() throws Exception {
    Path file = tmp.resolve("train/.lock");
    Process holder =
        new ProcessBuilder(
                WorkerCommand.javaExecutable(),
                "-cp",
                WorkerCommand.absoluteClassPath(),
                LockHolder.class.getName(),
                file.toString())
            .redirectErrorStream(true)
            .start();
    try (BufferedReader out =
        new BufferedReader(
            new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))) {
      assertThat(out.readLine()).isEqualTo("locked");
      assertThatThrownBy(() -> RunLock.acquire(file, "training of runs/x"))
          .isInstanceOf(RunLock.LockedException.class)
          .hasMessage(
              "another training of runs/x is running: "
                  + file
                  + " is locked by pid "
                  + holder.pid()
                  + "; wait for it to end or stop it");
    } finally {
      holder.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    RunLock.acquire(file, "training").close(); // released with its holder
  }

  @Test
  void twoTrainingsOfOneRunNeverOverlap() throws Exception {
    RunDirectory run = new RunDirectory(tmp.resolve("run"));
    CountDownLatch waiting = new CountDownLatch(1);
    ProcessHandle[] child = new ProcessHandle[1];
    WorkerSupervisor first =
        new WorkerSupervisor(
            run,
            WorkerFixtures.scripted("wait@3", tmp.resolve("state-1")),
            new Options(
                0,
                ProgressDisplay.silent(),
                (e, c) -> {
                  if (e.name().equals("log")) {
                    child[0] = c;
                    waiting.countDown();
                  }
                },
                true,
                true));
    CompletableFuture<Throwable> running =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                first.run(WorkerFixtures.trainSpec(run));
                return null;
              } catch (RuntimeException e) {
                return e;
              }
            });
    assertThat(waiting.await(30, TimeUnit.SECONDS)).isTrue();
    WorkerSupervisor second =
        new WorkerSupervisor(
            run,
            WorkerFixtures.scripted("ok", tmp.resolve("state-2")),
            new Options(0, ProgressDisplay.silent(), WorkerListener.none(), true, true));
    assertThatThrownBy(() -> second.run(WorkerFixtures.trainSpec(run)))
        .isInstanceOf(RunLock.LockedException.class)
        .hasMessageContaining("another training of " + run.root() + " is already running");
    child[0].destroyForcibly();
    assertThat(running.get(30, TimeUnit.SECONDS)).isInstanceOf(WorkerFailedException.class);
    assertThat(second.run(WorkerFixtures.trainSpec(run)).training()).isPresent();
    assertThat(List.of(tmp.resolve("state-2").toFile().list())).hasSize(1);
  }
}
