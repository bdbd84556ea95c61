package io.tunecard.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Crash tests of the djl worker: with {@code -Dtunecard.fault.killDuringCheckpoint=<step>:<token
 * file>} the child sends itself SIGKILL while it writes checkpoint {@code <step>} (its files are
 * written, its COMPLETE marker not yet), once: the token file is deleted first, so the retried
 * child runs through. Without the property nothing happens.
 */
final class FaultInjection {
  static final String PROPERTY = "tunecard.fault.killDuringCheckpoint";

  private FaultInjection() {}

  static void duringCheckpoint(long step) throws IOException {
    String fault = System.getProperty(PROPERTY);
    if (fault == null || fault.isBlank()) {
      return;
    }
    int colon = fault.indexOf(':');
    if (colon < 0 || Long.parseLong(fault.substring(0, colon)) != step) {
      return;
    }
    Path token = Path.of(fault.substring(colon + 1));
    if (!Files.deleteIfExists(token)) {
      return;
    }
    System.err.println("fault injection: killing this worker while it writes checkpoint " + step);
    System.err.flush();
    try {
      new ProcessBuilder("kill", "-KILL", Long.toString(ProcessHandle.current().pid()))
          .inheritIO()
          .start()
          .waitFor();
      Thread.sleep(60_000); // the signal arrives asynchronously
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    throw new IllegalStateException("fault injection: SIGKILL did not stop the worker");
  }
}
