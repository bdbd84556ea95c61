package io.tunecard.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tunecard.files.BadInputException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pulls from {@link FakeDownloadHub}: the cache layout, resumes, verification and refusals. */
class PullTest {
  static final String TOKEN = "hf_pulltesttoken0123456789";
  @TempDir Path tmp;
  FakeDownloadHub fake;
  HubCache cache;
  final List<Duration> sleeps = new CopyOnWriteArrayList<>();
  final StringWriter log = new StringWriter();

  static byte[] bytes(int n, int seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  static byte[] text(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static final Map<String, byte[]> MODEL =
      Map.of(
          "config.json", text("{\"model_type\": \"mistral\"}\n"),
          "tokenizer.json", text("{\"model\": {}}\n"),
          "model.safetensors", bytes(300_000, 1),
          "consolidated.safetensors", bytes(50_000, 2),
          "README.md", text("# tiny\n"));

  @BeforeEach
  void start() throws IOException {
    fake = new FakeDownloadHub(TOKEN);
    cache = new HubCache(tmp.resolve("hub"));
  }

  @AfterEach
  void stop() {
    fake.close();
    assertThat(fake.problems).isEmpty();
    assertThat(log.toString()).doesNotContain(TOKEN);
  }

  Backoff backoff(Duration attempt) {
    return new Backoff(
        5,
        Duration.ofMillis(10),
        Duration.ofMillis(40),
        Duration.ofMinutes(5),
        attempt,
        Clock.systemUTC(),
        sleeps::add,
        new Random(3));
  }

  HubHttp http(String token) {
    Optional<HubToken> t = token == null ? Optional.empty() : Optional.of(new HubToken(token));
    HubAccess access =
        new HubAccess(URI.create(fake.endpoint()), t, token == null ? "none" : "HF_TOKEN");
    PrintWriter w = new PrintWriter(log, true);
    return new HubHttp(access, backoff(Duration.ofSeconds(20)), w::println);
  }

  Pull pull(HubHttp http, BlobDownload.Disk disk) {
    Progress p = new Progress(new PrintWriter(log, true), false, System::nanoTime, 0);
    return new Pull(http, cache, p, 2, disk);
  }

  Snapshot pullModel(String id) {
    return pull(http(TOKEN), BlobDownload.Disk.LOCAL)
        .pull(new RepoRef(RepoRef.Type.MODEL, id, "main"), Selection.model());
  }

  @Test
  void aModelLandsInHuggingfaceHubsLayout() throws IOException {
    String commit = fake.add("models/org/tiny", MODEL);
    Snapshot s = pullModel("org/tiny");

    Path repo = tmp.resolve("hub/models--org--tiny");
    assertThat(s.commit()).isEqualTo(commit);
    assertThat(s.directory()).isEqualTo(repo.resolve("snapshots").resolve(commit));
    assertThat(Files.readString(repo.resolve("refs/main"))).isEqualTo(commit);
    String weights = FakeDownloadHub.sha256(MODEL.get("model.safetensors"));
    String config = FakeDownloadHub.gitOid(MODEL.get("config.json"));
    assertThat(Files.readSymbolicLink(s.directory().resolve("model.safetensors")))
        .isEqualTo(Path.of("../../blobs/" + weights));
    assertThat(Files.readSymbolicLink(s.directory().resolve("config.json")))
        .isEqualTo(Path.of("../../blobs/" + config));
    assertThat(Files.readAllBytes(s.directory().resolve("model.safetensors")))
        .isEqualTo(MODEL.get("model.safetensors"));
    assertThat(s.directory().resolve("consolidated.safetensors")).doesNotExist();
    assertThat(s.directory().resolve("README.md")).doesNotExist();
    assertThat(tmp.resolve("hub/.locks/models--org--tiny/" + weights + ".lock")).exists();
    try (var blobs = Files.list(repo.resolve("blobs"))) {
      assertThat(blobs.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder(
              weights, config, FakeDownloadHub.gitOid(MODEL.get("tokenizer.json")));
    }
    assertThat(s.files())
        .extracting(Snapshot.Entry::path)
        .containsExactly("config.json", "model.safetensors", "tokenizer.json");
    assertThat(s.files().get(1).sha256()).isEqualTo(weights);
    // The token went to the Hub, never to the storage host; the weights came through a redirect.
    assertThat(fake.requests).filteredOn(r -> r.server().equals("hub")).allMatch(r -> r.token());
    assertThat(fake.fullDownloads(weights)).isEqualTo(1);
    assertThat(log.toString()).contains("model.safetensors").contains("verified").contains("ETA");

    // A second pull finds every blob and downloads nothing.
    int before = fake.requests.size();
    pullModel("org/tiny");
    assertThat(fake.requests.subList(before, fake.requests.size()))
        .noneMatch(r -> r.path().contains("/resolve/"));
  }

  @Test
  void aShardedModelTakesTheShardsItsIndexNames() {
    String index =
        "{\"metadata\": {}, \"weight_map\": {\"a\": \"model-00001-of-00002.safetensors\","
            + " \"b\": \"model-00002-of-00002.safetensors\"}}";
    fake.add(
        "models/org/sharded",
        Map.of(
            "config.json", text("{}"),
            "model.safetensors.index.json", text(index),
            "model-00001-of-00002.safetensors", bytes(70_000, 4),
            "model-00002-of-00002.safetensors", bytes(70_000, 5),
            "consolidated.safetensors", bytes(140_000, 6)));
    Snapshot s = pullModel("org/sharded");
    assertThat(s.files())
        .extracting(Snapshot.Entry::path)
        .containsExactly(
            "config.json",
            "model-00001-of-00002.safetensors",
            "model-00002-of-00002.safetensors",
            "model.safetensors.index.json");
    assertThat(s.directory().resolve("consolidated.safetensors")).doesNotExist();
  }

  @Test
  void aDatasetGoesUnderDatasetsWithItsDataFiles() throws IOException {
    String commit =
        fake.add(
            "datasets/lavita/MedQuAD",
            Map.of(
                "data/train-00000-of-00001.parquet", bytes(90_000, 7),
                "README.md", text("---\nlicense: cc-by-4.0\n---\n")));
    Snapshot s =
        pull(http(null), BlobDownload.Disk.LOCAL)
            .pull(new RepoRef(RepoRef.Type.DATASET, "lavita/MedQuAD", "main"), Selection.dataset());
    Path snap = tmp.resolve("hub/datasets--lavita--MedQuAD/snapshots/" + commit);
    assertThat(s.directory()).isEqualTo(snap);
    assertThat(Files.readSymbolicLink(snap.resolve("data/train-00000-of-00001.parquet")).toString())
        .startsWith("../../../blobs/");
    assertThat(snap.resolve("README.md")).doesNotExist();
    assertThat(fake.requests("/datasets/lavita/MedQuAD/resolve/" + commit + "/.*")).hasSize(1);
  }

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
  void aRenamedRepositoryIsFollowedAndCachedUnderTheNameAskedFor() throws IOException {
    String commit = fake.add("models/FacebookAI/roberta-large", MODEL);
    fake.renamed.put("roberta-large", "FacebookAI/roberta-large");
    Snapshot s = pullModel("roberta-large");
    assertThat(s.directory())
        .isEqualTo(tmp.resolve("hub/models--roberta-large/snapshots/" + commit));
    assertThat(Files.readAllBytes(s.directory().resolve("model.safetensors")))
        .isEqualTo(MODEL.get("model.safetensors"));
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
  void aPinnedCommitWritesNoRef() {
    String commit = fake.add("models/org/tiny", MODEL);
    pull(http(TOKEN), BlobDownload.Disk.LOCAL)
        .pull(new RepoRef(RepoRef.Type.MODEL, "org/tiny", commit), Selection.model());
    assertThat(tmp.resolve("hub/models--org--tiny/snapshots/" + commit + "/config.json")).exists();
    assertThat(tmp.resolve("hub/models--org--tiny/refs")).doesNotExist();
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
