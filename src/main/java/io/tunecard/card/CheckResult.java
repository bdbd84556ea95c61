package io.tunecard.card;

import java.util.List;
import java.util.Objects;

/**
 * The outcome of one consistency check. The message is a key of the card's message bundles; its
 * arguments are numbers ({@link Num}, {@link Long}, {@link Integer}) or plain strings, formatted
 * per language by the renderer.
 *
 * @param check which check, e.g. {@code perplexity}
 * @param passed false when the check flags a problem
 * @param message message key, e.g. {@code check.perplexity.fail}
 */
public record CheckResult(String check, boolean passed, String message, List<Object> args) {

  public CheckResult {
    Objects.requireNonNull(check, "check");
    Objects.requireNonNull(message, "message");
    args = List.copyOf(args);
  }

  /** A number to show with at most {@code decimals} decimals. */
  public record Num(double value, int decimals) {}
}
