package io.tunecard.files;

/**
 * Input the user can fix (a bad workflow value, a corrupt file, a missing directory). The CLI
 * prints its message without a stack trace and exits with status 2.
 */
public class BadInputException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BadInputException(String message) {
    super(message);
  }

  public BadInputException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * The user's error inside a runner's failure, or null. Runners wrap a step's exception in their
   * own (and Flink may carry it only as text across its cluster boundary), so the cause chain is
   * searched for a BadInputException, or for its class name in a serialized cause.
   */
  public static BadInputException within(Throwable e) {
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

  /** What to throw for a runner's failure {@code e}: the bad input inside it, else {@code e}. */
  public static RuntimeException unwrap(RuntimeException e) {
    BadInputException bad = within(e);
    return bad != null && bad != e ? new BadInputException(bad.getMessage(), e) : e;
  }
}
