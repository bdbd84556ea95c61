package io.tunecard.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Crash tests of the djl worker, each armed by a system property {@code <step>:<token file>} and
 * fired once: the token file is deleted first, so the retried child runs through. Without the
 * properties nothing happens.
 *
 * <ul>
 *   <li>{@code -Dtunecard.fault.killDuringCheckpoint}: the child sends itself SIGKILL while it
 *       writes checkpoint {@code <step>} (its files are written, its COMPLETE marker not yet).
 *   <li>{@code -Dtunecard.fault.holdAfterRow}: the child stops after the training {@code metrics}
 *       row of {@code <step>} (before that step's evaluation and checkpoint) and waits to be
 *       killed, so a parent that kills on that row always kills at the same point, however slowly
 *       it reads.
 * </ul>
 */
final class FaultInjection {
  static final String PROPERTY = "tunecard.fault.killDuringCheckpoint";
  static final String HOLD = "tunecard.fault.holdAfterRow";
  private static final long WAIT_MS = 60_000;

  private FaultInjection() {}

  static void duringCheckpoint(long step) throws IOException {
    if (!fires(PROPERTY, step)) {
      return;
    }
    System.err.println("fault injection: killing this worker while it writes checkpoint " + step);
    System.err.flush();
    try {
      new ProcessBuilder("kill", "-KILL", Long.toString(ProcessHandle.current().pid()))
          .inheritIO()
          .start()
          .waitFor();
      Thread.sleep(WAIT_MS); // the signal arrives asynchronously
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    throw new IllegalStateException("fault injection: SIGKILL did not stop the worker");
  }

  static void afterTrainingRow(long step) throws IOException {
    if (!fires(HOLD, step)) {
      return;
    }
    System.err.println("fault injection: holding after step " + step + "'s row until killed");
    System.err.flush();
    try {
      Thread.sleep(WAIT_MS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    throw new IllegalStateException("fault injection: the held worker was not killed");
  }

  /** Whether {@code property} names {@code step} and its token file was there (now deleted). */
  private static boolean fires(String property, long step) throws IOException {
    String fault = System.getProperty(property);
    if (fault == null || fault.isBlank()) {
      return false;
    }
    int colon = fault.indexOf(':');
    if (colon < 0 || Long.parseLong(fault.substring(0, colon)) != step) {
      return false;
    }
    return Files.deleteIfExists(Path.of(fault.substring(colon + 1)));
  }
}
