package io.tunecard.hub;

/**
 * A Hugging Face access token. It is never shown: {@link #toString()} is redacted, and {@link
 * #redact(String)} scrubs it from any text (a server's error body, an exception message) before
 * that text reaches a log, a console or a file.
 */
public final class HubToken {
  static final String REDACTED = "[redacted]";
  private final String value;

  HubToken(String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("token: empty");
    }
    if (value.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
      // A header value with spaces or control characters would be malformed or split.
      throw new IllegalArgumentException(
          "token: contains whitespace or non-ASCII characters; check HF_TOKEN or the token file");
    }
    this.value = value;
  }

  /** The {@code Authorization} header value; only {@link HubHttp} sends it. */
  String bearer() {
    return "Bearer " + value;
  }

  /** {@code text} with every occurrence of the token replaced by {@value #REDACTED}. */
  public String redact(String text) {
    return text == null ? null : text.replace(value, REDACTED);
  }

  @Override
  public String toString() {
    return "HubToken" + REDACTED;
  }
}
