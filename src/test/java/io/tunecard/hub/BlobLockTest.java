package io.tunecard.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two processes, each holding one blob's lock while another of its threads waits for the other's:
 * the kernel would call a blocking wait a deadlock (EDEADLK), although both holders let go.
 */
class BlobLockTest {
  @TempDir Path tmp;

  /** The other process: holds B, waits for A from a second thread, then lets both go. */
  public static void main(String[] args) throws Exception {
    Path a = Path.of(args[0]);
    Path b = Path.of(args[1]);
    Path holding = Path.of(args[2]);
    try (BlobLock lockB = BlobLock.acquire(b, "b", x -> {})) {
      Files.writeString(holding, "b");
      CompletableFuture<Void> waitA =
          CompletableFuture.runAsync(
              () -> {
                try (BlobLock lockA = BlobLock.acquire(a, "a", x -> {})) {
                  // got it once the parent let go
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      Thread.sleep(1500); // the parent now waits for B while it holds A
      waitA.get(60, TimeUnit.SECONDS);
    }
  }

  @Test
  void holdersWaitingForEachOthersBlobsAreNotRefusedAsADeadlock() throws Exception {
    Path a = tmp.resolve("locks/a.lock");
    Path b = tmp.resolve("locks/b.lock");
    Path holding = tmp.resolve("child-holds-b");
    Process child;
    CompletableFuture<Void> waitB;
    try (BlobLock lockA = BlobLock.acquire(a, "a", x -> {})) {
      child =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-cp",
                  System.getProperty("java.class.path"),
                  BlobLockTest.class.getName(),
                  a.toString(),
                  b.toString(),
                  holding.toString())
              .redirectErrorStream(true)
              .redirectOutput(tmp.resolve("child.log").toFile())
              .start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!Files.exists(holding) && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(holding).exists();
      waitB =
          CompletableFuture.runAsync(
              () -> {
                try (BlobLock lockB = BlobLock.acquire(b, "b", x -> {})) {
                  // got it once the child let go
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      Thread.sleep(1000); // both processes now hold one lock and wait for the other's
    }
    waitB.get(60, TimeUnit.SECONDS);
    assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(child.exitValue()).as(Files.readString(tmp.resolve("child.log"))).isZero();
  }
}
