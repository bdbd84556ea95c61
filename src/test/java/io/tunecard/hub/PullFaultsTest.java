package io.tunecard.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tunecard.files.BadInputException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Pulls that meet faults: dropped, stalled and corrupted transfers, refusals, limits, disks. */
class PullFaultsTest extends PullFixture {
  @Test
  void aDroppedConnectionResumesWithARange() {
    fake.add("models/org/tiny", MODEL);
    fake.drops.put("model.safetensors", new AtomicInteger(1));
    Snapshot s = pullModel("org/tiny");
    assertThat(s.files()).hasSize(3);
    String oid = FakeDownloadHub.sha256(MODEL.get("model.safetensors"));
    assertThat(fake.requests("/lfs/" + oid))
        .extracting(FakeDownloadHub.Req::range)
        .hasSize(2)
        .first()
        .isNull();
    assertThat(fake.requests("/lfs/" + oid).get(1).range()).matches("bytes=[1-9][0-9]*-");
    assertThat(log.toString()).contains("resuming");
  }

  @Test
  void aStalledConnectionIsClosedAndResumed() {
    fake.add("models/org/tiny", MODEL);
    fake.stalls.put("model.safetensors", new AtomicInteger(1));
    HubHttp http = http(TOKEN);
    HubHttp quick = new HubHttp(http.access(), backoff(Duration.ofSeconds(1)), s -> {});
    Snapshot s =
        pull(quick, BlobDownload.Disk.LOCAL)
            .pull(new RepoRef(RepoRef.Type.MODEL, "org/tiny", "main"), Selection.model());
    assertThat(Files.exists(s.directory().resolve("model.safetensors"))).isTrue();
    assertThat(log.toString()).contains("no data for 1 s");
  }

  @Test
  void aCorruptedDownloadIsRejectedAndFetchedAgain() throws IOException {
    fake.add("models/org/tiny", MODEL);
    fake.corrupt.put("model.safetensors", new AtomicInteger(1));
    Snapshot s = pullModel("org/tiny");
    assertThat(Files.readAllBytes(s.directory().resolve("model.safetensors")))
        .isEqualTo(MODEL.get("model.safetensors"));
    assertThat(log.toString()).contains("do not match").doesNotContain(TOKEN);
    assertThat(fake.fullDownloads(FakeDownloadHub.sha256(MODEL.get("model.safetensors"))))
        .isEqualTo(2);
  }

  @Test
  void aFileThatNeverMatchesLeavesTheCacheWithoutIt() throws IOException {
    String commit = fake.add("models/org/tiny", MODEL);
    fake.corrupt.put("model.safetensors", new AtomicInteger(99));
    assertThatThrownBy(() -> pullModel("org/tiny"))
        .isInstanceOf(HubException.class)
        .hasMessageContaining("model.safetensors")
        .hasMessageContaining("refused after 3 attempts");
    Path repo = tmp.resolve("hub/models--org--tiny");
    String oid = FakeDownloadHub.sha256(MODEL.get("model.safetensors"));
    assertThat(repo.resolve("blobs/" + oid)).doesNotExist();
    assertThat(repo.resolve("blobs/" + oid + ".incomplete")).doesNotExist();
    assertThat(repo.resolve("snapshots/" + commit + "/model.safetensors")).doesNotExist();
    assertThat(repo.resolve("refs/main")).doesNotExist();
  }

  @Test
  void aGatedModelSaysWhereToAcceptItsTermsAndWhatTheTokenIs() {
    fake.add("models/mistralai/Gated", MODEL);
    fake.gated.put("models/mistralai/Gated", "not granted");
    RepoRef ref = new RepoRef(RepoRef.Type.MODEL, "mistralai/Gated", "main");
    assertThatThrownBy(() -> pull(http(null), BlobDownload.Disk.LOCAL).pull(ref, Selection.model()))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("mistralai/Gated is a gated repository")
        .hasMessageContaining("no token was sent (set HF_TOKEN")
        .hasMessageContaining("accept its terms at " + fake.endpoint() + "/mistralai/Gated")
        .hasMessageContaining("HTTP 401");
    assertThatThrownBy(
            () -> pull(http(TOKEN), BlobDownload.Disk.LOCAL).pull(ref, Selection.model()))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("the token from HF_TOKEN has not been granted access")
        .hasMessageContaining("HTTP 403")
        .message()
        .doesNotContain(TOKEN);
    fake.gated.put("models/mistralai/Gated", "granted");
    assertThat(pull(http(TOKEN), BlobDownload.Disk.LOCAL).pull(ref, Selection.model()).files())
        .hasSize(3);
  }

  @Test
  void aMissingRepositoryOrRevisionIsNamed() {
    fake.add("models/org/tiny", MODEL);
    assertThatThrownBy(
            () ->
                pull(http(TOKEN), BlobDownload.Disk.LOCAL)
                    .pull(new RepoRef(RepoRef.Type.MODEL, "org/nope", "main"), Selection.model()))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("model repository org/nope (revision main) was not found at")
        .hasMessageContaining("HTTP 404");
    assertThatThrownBy(
            () ->
                pull(http(TOKEN), BlobDownload.Disk.LOCAL)
                    .pull(new RepoRef(RepoRef.Type.MODEL, "org/tiny", "v9"), Selection.model()))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("org/tiny has no revision 'v9'");
  }

  @Test
  void a429WaitsForRetryAfterThenSucceeds() {
    fake.add("models/org/tiny", MODEL);
    fake.throttle.put("/api/models/org/tiny/revision/.*", new AtomicInteger(2));
    fake.retryAfter.put("/api/models/org/tiny/revision/.*", 7);
    pullModel("org/tiny");
    assertThat(sleeps).startsWith(Duration.ofSeconds(7), Duration.ofSeconds(7));
    assertThat(log.toString()).contains("HTTP 429; retrying in 7.0 s");
  }

  @Test
  void aHubThatDoesNotResolveFailsAtOnce() {
    HubAccess nowhere =
        new HubAccess(URI.create("https://tunecard-test.invalid"), Optional.empty(), "none");
    HubHttp http = new HubHttp(nowhere, backoff(Duration.ofSeconds(5)), s -> {});
    assertThatThrownBy(
            () ->
                pull(http, BlobDownload.Disk.LOCAL)
                    .pull(new RepoRef(RepoRef.Type.MODEL, "org/tiny", "main"), Selection.model()))
        .isInstanceOf(HubException.class)
        .hasMessageContaining("cannot reach https://tunecard-test.invalid");
    assertThat(sleeps).isEmpty();
  }

  @Test
  void tooLittleSpaceStopsBeforeAnyDownload() {
    fake.add("models/org/tiny", MODEL);
    BlobDownload.Disk small =
        new BlobDownload.Disk() {
          @Override
          public OutputStream append(Path file) throws IOException {
            return BlobDownload.Disk.LOCAL.append(file);
          }

          @Override
          public long usable(Path dir) {
            return 1000;
          }
        };
    assertThatThrownBy(
            () ->
                pull(http(TOKEN), small)
                    .pull(new RepoRef(RepoRef.Type.MODEL, "org/tiny", "main"), Selection.model()))
        .isInstanceOf(BlobDownload.DiskFullException.class)
        .hasMessageContaining("1.0 kB free")
        .hasMessageContaining("nothing was downloaded");
    assertThat(fake.requests("/.*/resolve/.*")).isEmpty();
  }

  @Test
  void aDiskThatFillsUpStopsThePullAndTheNextPullResumes() throws IOException {
    String commit = fake.add("models/org/tiny", MODEL);
    BlobDownload.Disk filling =
        new BlobDownload.Disk() {
          @Override
          public OutputStream append(Path file) throws IOException {
            OutputStream real = BlobDownload.Disk.LOCAL.append(file);
            return new OutputStream() {
              @Override
              public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
              }

              @Override
              public void write(byte[] b, int off, int len) throws IOException {
                if (Files.size(file) + len > 100_000) {
                  real.write(b, off, 100); // a partial write, then the device is full
                  throw new IOException("No space left on device");
                }
                real.write(b, off, len);
              }

              @Override
              public void close() throws IOException {
                real.close();
              }
            };
          }

          @Override
          public long usable(Path dir) {
            return Long.MAX_VALUE;
          }
        };
    RepoRef ref = new RepoRef(RepoRef.Type.MODEL, "org/tiny", "main");
    assertThatThrownBy(() -> pull(http(TOKEN), filling).pull(ref, Selection.model()))
        .isInstanceOf(BlobDownload.DiskFullException.class)
        .hasMessageContaining("is full")
        .hasMessageContaining("model.safetensors")
        .hasMessageContaining("the next pull resumes it");
    Path repo = tmp.resolve("hub/models--org--tiny");
    String oid = FakeDownloadHub.sha256(MODEL.get("model.safetensors"));
    Path part = repo.resolve("blobs/" + oid + ".incomplete");
    long had = Files.size(part);
    assertThat(had).isPositive().isLessThanOrEqualTo(100_000);
    assertThat(repo.resolve("refs/main")).doesNotExist();
    assertThat(repo.resolve("snapshots/" + commit + "/model.safetensors")).doesNotExist();

    Snapshot s = pull(http(TOKEN), BlobDownload.Disk.LOCAL).pull(ref, Selection.model());
    assertThat(Files.readAllBytes(s.directory().resolve("model.safetensors")))
        .isEqualTo(MODEL.get("model.safetensors"));
    assertThat(fake.requests("/lfs/" + oid))
        .last()
        .extracting(FakeDownloadHub.Req::range)
        .isEqualTo("bytes=" + had + "-");
  }
}
