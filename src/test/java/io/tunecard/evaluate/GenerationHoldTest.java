package io.tunecard.evaluate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generation hold of {@link FaultInjection}: inert unless armed, then fired once. */
class GenerationHoldTest {
  @TempDir Path tmp;

  @AfterEach
  void disarm() {
    System.clearProperty(FaultInjection.HOLD);
  }

  @Test
  void withoutThePropertyOrTheTokenNothingHappens() throws Exception {
    FaultInjection.beforeBatch(5);
    Path token = tmp.resolve("hold");
    System.setProperty(FaultInjection.HOLD, token.toString());
    FaultInjection.beforeBatch(5); // no token file
    Files.writeString(token, "");
    FaultInjection.beforeBatch(0); // a worker's first batch never holds
    assertThat(token).exists();
    assertThat(tmp.resolve("hold.holding")).doesNotExist();
  }

  @Test
  void anArmedWorkerHoldsAtItsSecondBatchOnceAndSaysWhichProcessHolds() throws Exception {
    Path token = tmp.resolve("hold");
    Files.writeString(token, "");
    System.setProperty(FaultInjection.HOLD, token.toString());
    AtomicReference<Thread> worker = new AtomicReference<>();
    CompletableFuture<Void> held =
        CompletableFuture.runAsync(
            () -> {
              worker.set(Thread.currentThread());
              FaultInjection.beforeBatch(1);
            });
    Path holding = tmp.resolve("hold.holding");
    for (int i = 0; i < 200 && !Files.exists(holding); i++) {
      Thread.sleep(50);
    }
    assertThat(holding).hasContent(ProcessHandle.current().pid() + "\n");
    assertThat(token).as("fired once: the token is used up").doesNotExist();
    Thread.sleep(200);
    assertThat(held).as("it holds").isNotDone();
    FaultInjection.beforeBatch(1); // a second worker passes: the token is gone

    worker.get().interrupt(); // what a kill would end
    assertThat(catchThrowable(() -> held.get(10, TimeUnit.SECONDS)))
        .isInstanceOf(ExecutionException.class)
        .hasRootCauseMessage("fault injection: the held worker was not killed");
  }
}
