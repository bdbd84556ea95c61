package io.tunecard.publish;

import static io.tunecard.publish.Fixture.REPO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tunecard.hub.HubException;
import io.tunecard.workflow.Workflow;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rate limits, server errors, dropped connections and refused tokens, against {@link FakeHub}. */
class FaultInjectionTest {
  @TempDir Path tmp;
  Fixture fx;
  FakeHub hub;
  Workflow w;

  @BeforeEach
  void setUp() throws Exception {
    fx = Fixture.copy(tmp);
    hub = new FakeHub(Fixture.TOKEN);
    w = fx.workflow();
  }

  @AfterEach
  void tearDown() {
    hub.close();
    assertThat(hub.problems).as("requests the fake Hub found wrong").isEmpty();
  }

  @Test
  void aRateLimitWithRetryAfterSecondsWaitsExactlyThatLong() {
    hub.fail("POST", ".*/preupload/main", 1, 429, Map.of("Retry-After", "7"), "{}");

    assertThat(fx.publish(hub, w, false).status()).isEqualTo(PublishResult.Status.PUBLISHED);

    assertThat(fx.waits).containsExactly(Duration.ofSeconds(7));
    assertThat(hub.count("POST", ".*/preupload/main")).isEqualTo(2);
    assertThat(fx.console.toString()).contains("HTTP 429; retrying in 7.0 s (attempt 2 of 5)");
  }

  @Test
  void aRetryAfterHttpDateIsMeasuredFromTheClock() {
    // Fixture.NOW is 2026-03-01T12:00:00Z; the Hub asks to come back 90 s later.
    hub.fail(
        "GET",
        "/api/whoami-v2",
        1,
        429,
        Map.of("Retry-After", "Sun, 01 Mar 2026 12:01:30 GMT"),
        "{}");

    fx.publish(hub, w, false);

    assertThat(fx.waits).containsExactly(Duration.ofSeconds(90));
  }

  @Test
  void theHubsRateLimitHeaderGivesTheWaitWhenThereIsNoRetryAfter() {
    hub.fail(
        "POST",
        ".*/commit/main",
        1,
        429,
        Map.of(
            "RateLimit",
            "\"api\";r=0;t=55",
            "RateLimit-Policy",
            "\"fixed window\";\"api\";q=1000;w=300"),
        "{\"error\":\"rate limited\"}");

    assertThat(fx.publish(hub, w, false).status()).isEqualTo(PublishResult.Status.PUBLISHED);

    assertThat(fx.waits).containsExactly(Duration.ofSeconds(55));
    assertThat(hub.repo(REPO).commits).hasSize(2);
  }

  @Test
  void a503ThenSuccessRetriesWithExponentialBackoff() {
    hub.fail("POST", ".*/commit/main", 2, 503, Map.of(), "{\"error\":\"unavailable\"}");

    assertThat(fx.publish(hub, w, false).status()).isEqualTo(PublishResult.Status.PUBLISHED);

    // 1 s then 2 s, each with up to 50 % jitter.
    assertThat(fx.waits).hasSize(2);
    assertThat(fx.waits.get(0)).isBetween(Duration.ofSeconds(1), Duration.ofMillis(1500));
    assertThat(fx.waits.get(1)).isBetween(Duration.ofSeconds(2), Duration.ofSeconds(3));
    assertThat(hub.repo(REPO).commits).hasSize(2);
  }

  @Test
  void aConnectionDroppedMidUploadIsRetried() {
    hub.drop("PUT", "/basic/.*", 1);

    assertThat(fx.publish(hub, w, false).status()).isEqualTo(PublishResult.Status.PUBLISHED);

    assertThat(hub.count("PUT", "/basic/.*")).isEqualTo(2);
    assertThat(fx.waits).hasSize(1);
    assertThat(hub.repo(REPO).files.get("assets/loss.png").lfsOid()).isNotNull();
  }

  @Test
  void aConnectionDroppedMidMultipartPartIsRetried() {
    hub.drop("PUT", "/part/.*/3", 1);

    assertThat(fx.publish(hub, w, false).status()).isEqualTo(PublishResult.Status.PUBLISHED);

    assertThat(hub.count("PUT", "/part/.*")).isEqualTo(6);
    assertThat(fx.waits).hasSize(1);
  }

  @Test
  void aCallThatTimesOutIsRetried() {
    // Every call of this publish runs under the short timeout, so a loaded machine may time out
    // another one too; the stalled preupload is the one that must have been retried.
    fx.attemptTimeout = Duration.ofSeconds(1);
    hub.stall("POST", ".*/preupload/main", 2500);

    assertThat(fx.publish(hub, w, false).status()).isEqualTo(PublishResult.Status.PUBLISHED);

    assertThat(hub.count("POST", ".*/preupload/main")).isGreaterThanOrEqualTo(2);
    assertThat(fx.waits).isNotEmpty();
    assertThat(fx.console.toString()).contains("preupload to " + REPO + ": HttpTimeoutException");
  }

  @Test
  void unauthorizedFailsAtOnceWithAClearMessageAndNoRetry() {
    hub.fail("GET", "/api/whoami-v2", 1, 401, Map.of(), "{\"error\":\"Invalid token {token}\"}");

    assertThatThrownBy(() -> fx.publish(hub, w, false))
        .isInstanceOf(HubException.Unauthorized.class)
        .hasMessageContaining("the token is invalid or lacks write access to " + REPO)
        .hasMessageContaining("Invalid token [redacted]")
        .hasMessageNotContaining(Fixture.TOKEN);
    assertThat(hub.count("GET", "/api/whoami-v2")).isEqualTo(1);
    assertThat(fx.waits).isEmpty();
    assertThat(hub.repo(REPO)).isNull();
  }

  @Test
  void forbiddenOnTheCommitFailsAtOnce() {
    hub.fail("POST", ".*/commit/main", 1, 403, Map.of(), "{\"error\":\"no write access\"}");

    assertThatThrownBy(() -> fx.publish(hub, w, false))
        .isInstanceOf(HubException.Unauthorized.class)
        .hasMessageContaining("HTTP 403")
        .hasMessageContaining("lacks write access to " + REPO);
    assertThat(hub.count("POST", ".*/commit/main")).isEqualTo(1);
    assertThat(fx.waits).isEmpty();
  }

  @Test
  void aReadOnlyTokenIsRefusedBeforeAnyWrite() {
    hub.role = "read";

    assertThatThrownBy(() -> fx.publish(hub, w, false))
        .isInstanceOf(HubException.Unauthorized.class)
        .hasMessageContaining("read-only token");
    assertThat(hub.requests).allMatch(q -> q.method().equals("GET"));
  }

  @Test
  void retriesAreBoundedAndARerunAfterTheFailureCommitsExactlyOnce() {
    hub.fail("POST", ".*/commit/main", 5, 500, Map.of(), "{\"error\":\"internal\"}");

    assertThatThrownBy(() -> fx.publish(hub, w, false))
        .isInstanceOf(HubException.class)
        .hasMessageContaining("HTTP 500 after 5 attempts");
    assertThat(fx.waits).hasSize(4);
    assertThat(hub.repo(REPO).commits).hasSize(1); // only the repository's initial commit
    long uploads = hub.count("PUT", ".*");

    PublishResult r = fx.publish(hub, w, false);

    assertThat(r.status()).isEqualTo(PublishResult.Status.PUBLISHED);
    assertThat(hub.repo(REPO).commits).hasSize(2);
    assertThat(hub.count("PUT", ".*")).as("LFS objects are not uploaded twice").isEqualTo(uploads);
  }

  @Test
  void aRequestTheHubRejectsIsNotRetried() {
    hub.fail(
        "POST",
        ".*/preupload/main",
        1,
        422,
        Map.of(),
        "{\"error\":\"bad path, token was {token}\"}");

    assertThatThrownBy(() -> fx.publish(hub, w, false))
        .isInstanceOf(HubException.class)
        .hasMessageContaining("HTTP 422")
        .hasMessageContaining("token was [redacted]")
        .hasMessageNotContaining(Fixture.TOKEN);
    assertThat(fx.waits).isEmpty();
  }

  @Test
  void aWaitLongerThanTheRateWindowEndsTheRetries() {
    hub.fail("GET", "/api/whoami-v2", 1, 429, Map.of("Retry-After", "3600"), "{}");

    assertThatThrownBy(() -> fx.publish(hub, w, false))
        .isInstanceOf(HubException.class)
        .hasMessageContaining("asks to wait 3600 s");
    assertThat(fx.waits).isEmpty();
  }
}
