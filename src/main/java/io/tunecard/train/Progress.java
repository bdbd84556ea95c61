package io.tunecard.train;

import io.tunecard.worker.EventWriter;

/**
 * Sends {@code progress} events at most about once a second (the parent draws the bar and its ETA),
 * plus every one marked as forced (a log step, the end of a phase).
 */
final class Progress {
  private static final long INTERVAL_NANOS = 1_000_000_000L;
  private final EventWriter events;
  private long last = Long.MIN_VALUE;

  Progress(EventWriter events) {
    this.events = events;
  }

  void maybe(
      String phase,
      long done,
      long total,
      String label,
      Double loss,
      Double tokensPerS,
      boolean force) {
    long now = System.nanoTime();
    if (force || last == Long.MIN_VALUE || now - last >= INTERVAL_NANOS) {
      events.progress(phase, done, total, label, loss, tokensPerS);
      last = now;
    }
  }
}
