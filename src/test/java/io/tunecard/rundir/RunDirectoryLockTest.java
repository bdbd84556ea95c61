package io.tunecard.rundir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunDirectoryLockTest {
  @TempDir Path tmp;

  private static long deadPid() throws Exception {
    Process p = new ProcessBuilder("true").start();
    p.waitFor();
    return p.pid();
  }

  /** A {@link LockHolder} in another JVM, once it says it holds the lock. */
  private static Process holdInAnotherProcess(String kind, Path path) throws Exception {
    Process holder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                LockHolder.class.getName(),
                kind,
                path.toString())
            .redirectErrorStream(true)
            .start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
    assertThat(out.readLine()).isEqualTo("locked");
    return holder;
  }

  @Test
  void aSecondHolderIsRefusedUntilTheFirstReleasesAndTheFileIsEmptiedOnRelease() throws Exception {
    RunDirectory run = new RunDirectory(tmp.resolve("run"));
    try (RunDirectoryLock first = RunDirectoryLock.acquire(run, "ingest")) {
      assertThat(first.note()).isNull();
      assertThat(Files.readString(run.root().resolve(".lock")))
          .contains("\"pid\":" + ProcessHandle.current().pid())
          .contains("\"command\":\"ingest\"");
      assertThatThrownBy(() -> RunDirectoryLock.acquire(run, "run"))
          .isInstanceOf(RunDirectoryLock.LockedException.class)
          .hasMessageContaining(run.root() + " is in use");
      assertThat(RunDirectoryLock.holder(run)).isPresent();
    }
    assertThat(Files.readString(run.root().resolve(".lock"))).isEmpty();
    assertThat(RunDirectoryLock.holder(run)).isEmpty();
    RunDirectoryLock.acquire(run, "run").close();
  }

  @Test
  void aDeadHolderOnThisHostIsTakenOverAndItsLeftoversRemoved() throws Exception {
    RunDirectory run = new RunDirectory(tmp.resolve("run"));
    Files.createDirectories(run.root());
    long dead = deadPid();
    Files.writeString(
        run.root().resolve(".lock"),
        "{\"pid\":"
            + dead
            + ",\"host\":\""
            + RunDirectoryLock.thisHost()
            + "\",\"command\":\"run\"}\n");
    String uuid = UUID.randomUUID().toString();
    Path staging = Files.createDirectories(run.root().resolve(".dataset.tmp-" + uuid));
    Files.writeString(staging.resolve("train.jsonl"), "{}\n");
    Path tmpFile = Files.createDirectories(run.eval()).resolve(".metrics.json.tmp-" + uuid);
    Files.writeString(tmpFile, "{");
    Path worker = Files.createDirectories(run.checkpoints().resolve(".tmp-step-4-1234"));
    Path keptHidden = run.eval().resolve(".questions.jsonl");
    Files.writeString(keptHidden, "{}\n");
    Path keptLock = Files.createDirectories(run.train()).resolve(".lock");
    Files.writeString(keptLock, "");
    assertThat(RunDirectoryLock.holder(run)).isEmpty();

    try (RunDirectoryLock lock = RunDirectoryLock.acquire(run, "ingest")) {
      assertThat(lock.previous().pid()).isEqualTo(dead);
      assertThat(lock.removed())
          .containsExactlyInAnyOrder(
              ".dataset.tmp-" + uuid,
              "eval/.metrics.json.tmp-" + uuid,
              "train/checkpoints/.tmp-step-4-1234");
      assertThat(lock.note())
          .contains("pid " + dead)
          .contains("no longer running")
          .contains("removed 3 leftover(s)");
    }
    assertThat(staging).doesNotExist();
    assertThat(tmpFile).doesNotExist();
    assertThat(worker).doesNotExist();
    assertThat(keptHidden).exists();
    assertThat(keptLock).exists();
  }

  @Test
  void aHolderOnAnotherHostIsNotTakenOverBlindly() throws Exception {
    RunDirectory run = new RunDirectory(tmp.resolve("run"));
    Files.createDirectories(run.root());
    Files.writeString(
        run.root().resolve(".lock"),
        "{\"pid\":4242,\"host\":\"elsewhere.invalid\",\"command\":\"run\"}\n");
    assertThatThrownBy(() -> RunDirectoryLock.acquire(run, "ingest"))
        .isInstanceOf(RunDirectoryLock.LockedException.class)
        .hasMessageContaining("pid 4242 on host elsewhere.invalid")
        .hasMessageContaining("delete " + run.root().resolve(".lock"));
  }

  @Test
  void anotherProcessHoldingTheRunDirectoryIsNamedAndKeepsItsLockAfterWritingItsName()
      throws Exception {
    RunDirectory run = new RunDirectory(tmp.resolve("run"));
    Process holder = holdInAnotherProcess("run", run.root());
    try {
      assertThatThrownBy(() -> RunDirectoryLock.acquire(run, "run"))
          .isInstanceOf(RunDirectoryLock.LockedException.class)
          .hasMessageStartingWith(
              run.root()
                  + " is in use: tunecard ingest (pid "
                  + holder.pid()
                  + " on host "
                  + RunDirectoryLock.thisHost()
                  + ", since ")
          .hasMessageEndingWith(") is writing it; wait for it to end or stop it");
      assertThat(RunDirectoryLock.holder(run).orElseThrow().pid()).isEqualTo(holder.pid());
    } finally {
      holder.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    try (RunDirectoryLock lock = RunDirectoryLock.acquire(run, "run")) {
      assertThat(lock.previous().pid()).isEqualTo(holder.pid());
    }
  }

  @Test
  void aLiveProcessNamedInTheFileIsRefusedWhenTheFileSystemIgnoresLocks() throws Exception {
    RunDirectory run = new RunDirectory(tmp.resolve("run"));
    Process sleeper = new ProcessBuilder("sleep", "30").start();
    try {
      String record =
          "{\"pid\":" + sleeper.pid() + ",\"host\":\"" + RunDirectoryLock.thisHost() + "\"}\n";
      Files.createDirectories(run.train());
      Files.writeString(run.root().resolve(".lock"), record);
      Files.writeString(run.train().resolve(".lock"), record);
      assertThatThrownBy(() -> RunDirectoryLock.acquire(run, "ingest"))
          .isInstanceOf(RunDirectoryLock.LockedException.class)
          .hasMessageContaining("pid " + sleeper.pid())
          .hasMessageContaining("its file system ignores file locks");
      assertThatThrownBy(() -> RunDirectoryLock.training(run))
          .isInstanceOf(RunDirectoryLock.LockedException.class)
          .hasMessage(
              "another training of "
                  + run.root()
                  + " is running: "
                  + run.train().resolve(".lock")
                  + " is locked by pid "
                  + sleeper.pid()
                  + " (its file system ignores file locks); wait for it to end or stop it");
    } finally {
      sleeper.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aSecondTrainingInThisProcessIsRefusedUntilTheFirstReleases() throws Exception {
    Path file = tmp.resolve("train/.lock");
    try (RunDirectoryLock first = RunDirectoryLock.acquire(file, "training")) {
      assertThat(first.file()).isEqualTo(file);
      assertThat(Files.readString(file))
          .contains("\"pid\":" + ProcessHandle.current().pid())
          .contains("\"command\":\"training\"");
      assertThatThrownBy(() -> RunDirectoryLock.acquire(file, "training"))
          .isInstanceOf(RunDirectoryLock.LockedException.class)
          .hasMessageContaining(
              "already running in this process (pid " + ProcessHandle.current().pid());
    }
    assertThat(Files.readString(file)).isEmpty();
    RunDirectoryLock.acquire(file, "training").close();
  }

  @Test
  void anotherProcessHoldingATrainingIsNamedByItsPid() throws Exception {
    Path file = tmp.resolve("train/.lock");
    Process holder = holdInAnotherProcess("part", file);
    try {
      assertThatThrownBy(() -> RunDirectoryLock.acquire(file, "training of runs/x"))
          .isInstanceOf(RunDirectoryLock.LockedException.class)
          .hasMessage(
              "another training of runs/x is running: "
                  + file
                  + " is locked by pid "
                  + holder.pid()
                  + "; wait for it to end or stop it");
    } finally {
      holder.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    RunDirectoryLock.acquire(file, "training").close(); // released with its holder
  }

  @Test
  void aTrainingHolderLostOnAnotherHostDoesNotBlockTheNextTraining() throws Exception {
    RunDirectory run = new RunDirectory(tmp.resolve("run"));
    Files.createDirectories(run.train());
    Files.writeString(
        run.train().resolve(".lock"),
        "{\"pid\":4242,\"host\":\"elsewhere.invalid\",\"command\":\"training\"}\n");
    try (RunDirectoryLock lock = RunDirectoryLock.training(run)) {
      assertThat(lock.file()).isEqualTo(run.train().resolve(".lock"));
      assertThat(lock.previous().host()).isEqualTo("elsewhere.invalid");
      assertThat(lock.removed()).isEmpty();
      assertThat(RunDirectoryLock.holder(run)).isEmpty();
    }
  }
}
