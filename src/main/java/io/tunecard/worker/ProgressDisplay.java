package io.tunecard.worker;

/**
 * Where a supervised child's progress and the supervisor's reports go: {@link ConsoleProgress} on a
 * console, or a sink that drops them.
 */
public interface ProgressDisplay {

  /**
   * One {@code progress} event.
   *
   * @param label e.g. the strategy being generated, or null
   */
  record Progress(
      String phase, long done, long total, String label, Double loss, Double tokensPerS) {

    public static Progress of(WorkerEvent e) {
      return new Progress(
          e.text("phase"),
          e.integer("done"),
          e.integer("total"),
          e.text("label"),
          e.number("loss"),
          e.number("tokens_per_s"));
    }
  }

  void progress(Progress p);

  /** A line for the user (a checkpoint saved, a retry, a warning of the child). */
  void message(String line);

  /** Ends the current bar, if one is drawn. */
  void finish();

  /** Shows nothing. */
  static ProgressDisplay silent() {
    return new ProgressDisplay() {
      @Override
      public void progress(Progress p) {}

      @Override
      public void message(String line) {}

      @Override
      public void finish() {}
    };
  }
}
