package io.tunecard.pipeline;

import io.tunecard.files.BadInputException;

/**
 * Finds the user's error inside a runner's failure. Runners wrap a step's exception in their own
 * (and Flink may carry it only as text across its cluster boundary), so the cause chain is searched
 * for a {@link BadInputException}, or for its class name in a serialized cause.
 */
final class Failures {
  private Failures() {}

  static BadInputException badInput(Throwable e) {
    String marker = BadInputException.class.getName() + ": ";
    for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
      if (t instanceof BadInputException bad) {
        return bad;
      }
      String text = t.toString();
      int at = text.indexOf(marker);
      if (at >= 0) {
        return new BadInputException(text.substring(at + marker.length()).strip(), e);
      }
    }
    return null;
  }
}
