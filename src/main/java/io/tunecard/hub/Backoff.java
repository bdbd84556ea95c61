package io.tunecard.hub;

import java.net.http.HttpHeaders;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How long to wait before retrying a Hub call, and how many times. A server's own hint wins: {@code
 * Retry-After} (seconds or an HTTP date), else the reset time {@code t} of the Hub's {@code
 * RateLimit} header ({@code "api";r=0;t=55}, IETF draft-ietf-httpapi-ratelimit-headers); otherwise
 * exponential backoff {@code base * 2^(attempt-1)} plus up to 50 % random jitter, capped at {@code
 * maxDelay}. Clock, sleeper and random source are injected so tests run instantly and exactly.
 *
 * @param maxAttempts total attempts of one call, the first included
 * @param longestHint the longest server-requested wait honoured; a longer one ends the retries
 * @param attemptTimeout how long one API call may take before it counts as failed (and is retried);
 *     a commit gets five times as long, an upload this plus one second per MiB
 */
public record Backoff(
    int maxAttempts,
    Duration baseDelay,
    Duration maxDelay,
    Duration longestHint,
    Duration attemptTimeout,
    Clock clock,
    Sleeper sleeper,
    Random random) {

  /** Waits; tests record the requested durations instead. */
  @FunctionalInterface
  public interface Sleeper {
    void sleep(Duration d) throws InterruptedException;
  }

  private static final Pattern RESET = Pattern.compile("(?:^|;)\\s*t\\s*=\\s*(\\d+)");
  private static final Pattern REMAINING = Pattern.compile("(?:^|;)\\s*r\\s*=\\s*(\\d+)");

  public Backoff {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts: expected at least 1, found " + maxAttempts);
    }
    if (attemptTimeout.isNegative() || attemptTimeout.isZero()) {
      throw new IllegalArgumentException("attemptTimeout: expected a positive duration");
    }
    if (baseDelay.isNegative() || maxDelay.compareTo(baseDelay) < 0) {
      throw new IllegalArgumentException("delays: expected 0 <= baseDelay <= maxDelay");
    }
  }

  /**
   * Five attempts, 1 s doubling to at most 60 s, server hints up to the Hub's 5-minute window, two
   * minutes for an API call to answer.
   */
  public static Backoff standard() {
    return new Backoff(
        5,
        Duration.ofSeconds(1),
        Duration.ofSeconds(60),
        Duration.ofMinutes(5),
        Duration.ofMinutes(2),
        Clock.systemUTC(),
        d -> Thread.sleep(d.toMillis()),
        new Random());
  }

  /** The time an upload of {@code bytes} may take: slow links still finish, a stall ends. */
  public Duration transferTimeout(long bytes) {
    return attemptTimeout.plusSeconds(bytes >> 20);
  }

  /** The wait after failed attempt {@code attempt} (1-based) without a server hint. */
  public Duration exponential(int attempt) {
    long base = baseDelay.toMillis() << Math.min(attempt - 1, 20);
    long capped = Math.min(base, maxDelay.toMillis());
    long jitter = capped == 0 ? 0 : (long) (random.nextDouble() * capped * 0.5);
    return Duration.ofMillis(Math.min(capped + jitter, maxDelay.toMillis()));
  }

  /** The server's requested wait, if its headers carry one. */
  public Duration hint(HttpHeaders headers) {
    var retryAfter = headers.firstValue("Retry-After");
    if (retryAfter.isPresent()) {
      Duration d = retryAfter(retryAfter.get().trim());
      if (d != null) {
        return d;
      }
    }
    var rateLimit = headers.firstValue("RateLimit");
    return rateLimit.map(Backoff::rateLimitReset).orElse(null);
  }

  private Duration retryAfter(String value) {
    if (value.matches("\\d+")) {
      return Duration.ofSeconds(Long.parseLong(value));
    }
    try {
      ZonedDateTime at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME);
      Duration d = Duration.between(clock.instant(), at.toInstant());
      return d.isNegative() ? Duration.ZERO : d;
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /**
   * The reset time of a {@code RateLimit} value: of the exhausted item ({@code r=0}) when one is,
   * else the longest. Items are comma-separated, e.g. {@code "api";r=0;t=55}.
   */
  static Duration rateLimitReset(String value) {
    Long exhausted = null;
    long longest = -1;
    for (String item : value.split(",")) {
      Matcher t = RESET.matcher(item);
      if (!t.find()) {
        continue;
      }
      long seconds = Long.parseLong(t.group(1));
      longest = Math.max(longest, seconds);
      Matcher r = REMAINING.matcher(item);
      if (r.find() && Long.parseLong(r.group(1)) == 0 && exhausted == null) {
        exhausted = seconds;
      }
    }
    if (exhausted != null) {
      return Duration.ofSeconds(exhausted);
    }
    return longest >= 0 ? Duration.ofSeconds(longest) : null;
  }
}
