package io.tunecard.worker;

import java.util.List;
import java.util.Optional;

/**
 * A worker that finished.
 *
 * @param done the child's {@code done} event; null when training had already finished and no child
 *     ran
 * @param attempts children started (0 when already finished)
 * @param recovered failures that a retry got past
 * @param training train/DONE.json, for the train command
 */
public record WorkerOutcome(
    Command command,
    WorkerEvent done,
    int attempts,
    List<ChildFailure> recovered,
    Optional<TrainingDone> training) {

  public WorkerOutcome {
    recovered = List.copyOf(recovered);
  }

  public boolean alreadyFinished() {
    return attempts == 0;
  }
}
