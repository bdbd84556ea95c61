package io.tunecard.hub;

/**
 * A Hub call that failed for good (after the retries, or at once for errors that retrying cannot
 * fix). Its message never contains the token: every server text is redacted before it gets here.
 */
public class HubException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int status;

  /**
   * @param status the last HTTP status, or 0 when no response came (connection or timeout)
   */
  public HubException(String message, int status) {
    super(message);
    this.status = status;
  }

  public int status() {
    return status;
  }

  /** 401 or 403: the token is missing, invalid, or may not write to the repository. */
  public static final class Unauthorized extends HubException {
    private static final long serialVersionUID = 1L;

    public Unauthorized(String message, int status) {
      super(message, status);
    }
  }
}
