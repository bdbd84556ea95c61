package io.tunecard.worker;

import io.tunecard.worker.EventWriter.ErrorKind;

/**
 * A failure a worker child classifies itself; {@link WorkerMain} reports it as an {@code error}
 * event of its kind (e.g. a missing bitsandbytes is {@code missing_dependency}, which the parent
 * does not retry).
 */
public class WorkerException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorKind kind;

  public WorkerException(ErrorKind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public WorkerException(ErrorKind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public static WorkerException missingDependency(String message) {
    return new WorkerException(ErrorKind.MISSING_DEPENDENCY, message);
  }

  public ErrorKind kind() {
    return kind;
  }
}
