package io.tunecard.worker;

/**
 * Sees every event of a supervised child as it arrives, with the child's process (e.g. to count
 * Beam metrics). Called on the supervising thread; keep it quick.
 */
@FunctionalInterface
public interface WorkerListener {
  void onEvent(WorkerEvent event, ProcessHandle child);

  static WorkerListener none() {
    return (event, child) -> {};
  }
}
