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
}
