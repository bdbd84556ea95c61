package io.tunecard.evaluate;

import io.tunecard.files.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The failover check of a worker killed while it generates answers (docs/flink.md), armed by the
 * system property {@code -Dtunecard.fault.holdGeneration=<token file>} of the process that runs the
 * generation step (a TaskManager's {@code env.java.opts.taskmanager}) and fired once: the first
 * worker to reach its second batch of questions while the token file exists deletes it, writes its
 * process id to {@code <token file>.holding} and holds (answers nothing more) until it is killed.
 * So the kill always lands in the middle of a worker's generation, after it has answered a batch,
 * however fast the batches are. Without the property, or once the token is gone, nothing happens.
 * The same kind of switch for the training child is {@code io.tunecard.train.FaultInjection}.
 */
final class FaultInjection {
  static final String HOLD = "tunecard.fault.holdGeneration";
  private static final long WAIT_MS = 600_000;

  private FaultInjection() {}

  /** Before a worker answers a batch; {@code answered}: the batches it answered before. */
  static void beforeBatch(int answered) {
    String token = System.getProperty(HOLD);
    if (answered < 1 || token == null || token.isBlank()) {
      return;
    }
    Path file = Path.of(token);
    try {
      if (!Files.deleteIfExists(file)) {
        return;
      }
      long pid = ProcessHandle.current().pid();
      AtomicFiles.writeString(file.resolveSibling(file.getFileName() + ".holding"), pid + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e.getMessage(), e);
    }
    System.err.println("fault injection: this worker holds its generation until it is killed");
    System.err.flush();
    try {
      Thread.sleep(WAIT_MS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    throw new IllegalStateException("fault injection: the held worker was not killed");
  }
}
