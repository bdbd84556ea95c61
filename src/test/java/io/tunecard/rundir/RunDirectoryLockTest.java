package io.tunecard.rundir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunDirectoryLockTest {
  @TempDir Path tmp;

  private static long deadPid() throws Exception {
    Process p = new ProcessBuilder("true").start();
    p.waitFor();
    return p.pid();
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
}
