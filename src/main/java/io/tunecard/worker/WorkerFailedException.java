package io.tunecard.worker;

import java.nio.file.Path;

/**
 * A worker child failed for good: not retryable, or out of retries. The message tells why (see
 * {@link ChildFailure}) with the last lines of its stderr and where the full log is.
 */
public class WorkerFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient ChildFailure failure;
  private final int attempts;

  public WorkerFailedException(
      Command command, String engine, ChildFailure failure, int attempts, Path log) {
    super(
        command
            + " worker ("
            + engine
            + ") failed"
            + (attempts > 1 ? " after " + attempts + " attempts" : "")
            + ": "
            + failure.describe(10, log));
    this.failure = failure;
    this.attempts = attempts;
  }

  public ChildFailure failure() {
    return failure;
  }

  public int attempts() {
    return attempts;
  }
}
