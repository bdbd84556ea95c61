package io.tunecard.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpHeaders;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BackoffTest {
  final Backoff b =
      new Backoff(
          5,
          Duration.ofSeconds(1),
          Duration.ofSeconds(60),
          Duration.ofMinutes(5),
          Duration.ofMinutes(2),
          Clock.fixed(Instant.parse("2026-03-01T12:00:00Z"), ZoneOffset.UTC),
          d -> {},
          new Random(1));

  static HttpHeaders headers(Map<String, String> h) {
    return HttpHeaders.of(
        h.entrySet().stream()
            .collect(
                java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> List.of(e.getValue()))),
        (k, v) -> true);
  }

  @Test
  void retryAfterInSecondsOrAsAnHttpDate() {
    assertThat(b.hint(headers(Map.of("Retry-After", "12")))).isEqualTo(Duration.ofSeconds(12));
    assertThat(b.hint(headers(Map.of("Retry-After", "Sun, 01 Mar 2026 12:00:42 GMT"))))
        .isEqualTo(Duration.ofSeconds(42));
    assertThat(b.hint(headers(Map.of("Retry-After", "Sun, 01 Mar 2026 11:00:00 GMT"))))
        .isEqualTo(Duration.ZERO);
  }

  @Test
  void theHubsRateLimitHeaderGivesTheResetOfTheExhaustedBucket() {
    assertThat(Backoff.rateLimitReset("\"api\";r=0;t=55")).isEqualTo(Duration.ofSeconds(55));
    assertThat(Backoff.rateLimitReset("\"pages\";r=12;t=100, \"api\";r=0;t=7"))
        .isEqualTo(Duration.ofSeconds(7));
    assertThat(Backoff.rateLimitReset("\"api\";r=3;t=20")).isEqualTo(Duration.ofSeconds(20));
    assertThat(Backoff.rateLimitReset("garbage")).isNull();
    // Retry-After wins when both are there.
    assertThat(b.hint(headers(Map.of("Retry-After", "3", "RateLimit", "\"api\";r=0;t=55"))))
        .isEqualTo(Duration.ofSeconds(3));
    assertThat(b.hint(headers(Map.of()))).isNull();
  }

  @Test
  void exponentialBackoffDoublesWithJitterAndIsCapped() {
    for (int attempt = 1; attempt <= 5; attempt++) {
      long base = 1000L << (attempt - 1);
      Duration d = b.exponential(attempt);
      assertThat(d.toMillis()).isBetween(base, (long) (base * 1.5));
    }
    assertThat(b.exponential(30)).isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void theSameSeedGivesTheSameWaits() {
    Backoff again =
        new Backoff(
            5,
            Duration.ofSeconds(1),
            Duration.ofSeconds(60),
            Duration.ofMinutes(5),
            Duration.ofMinutes(2),
            Clock.systemUTC(),
            d -> {},
            new Random(1));
    assertThat(again.exponential(3)).isEqualTo(b.exponential(3));
  }
}
