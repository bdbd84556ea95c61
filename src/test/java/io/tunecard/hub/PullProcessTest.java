package io.tunecard.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tunecard pull} as separate processes against {@link FakeDownloadHub} on a slow link: a
 * pull killed half-way (SIGKILL, no cleanup) leaves a valid cache that the next pull resumes, and
 * two pulls of one repository at once download each blob once and both succeed.
 */
@Timeout(180)
class PullProcessTest {
  static final String TOKEN = "hf_processtesttoken42";
  static final byte[] WEIGHTS = PullTest.bytes(2_000_000, 11);
  @TempDir Path tmp;
  FakeDownloadHub fake;
  String commit;

  @BeforeEach
  void start() throws IOException {
    fake = new FakeDownloadHub(TOKEN);
    commit =
        fake.add(
            "models/org/big",
            Map.of(
                "config.json",
                PullTest.text("{\"model_type\": \"mistral\"}"),
                "model.safetensors",
                WEIGHTS));
  }

  @AfterEach
  void stop() {
    fake.close();
    assertThat(fake.problems).isEmpty();
  }

  Process pull(String name) throws IOException {
    ProcessBuilder pb =
        new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx256m",
            "-cp",
            System.getProperty("java.class.path"),
            "io.tunecard.cli.Main",
            "pull",
            "org/big");
    pb.environment().remove("HF_HUB_OFFLINE");
    pb.environment().put("HF_ENDPOINT", fake.endpoint());
    pb.environment().put("HF_HUB_CACHE", tmp.resolve("hub").toString());
    pb.environment().put("HF_TOKEN", TOKEN);
    pb.redirectOutput(tmp.resolve(name + ".out").toFile());
    pb.redirectError(tmp.resolve(name + ".err").toFile());
    return pb.start();
  }

  Path blobs() {
    return tmp.resolve("hub/models--org--big/blobs");
  }

  String oid() {
    return FakeDownloadHub.sha256(WEIGHTS);
  }

  @Test
  void aKilledPullLeavesAValidCacheAndTheNextPullResumes() throws Exception {
    fake.bytesPerSecond = 150_000;
    Process p = pull("killed");
    Path part = blobs().resolve(oid() + ".incomplete");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!(Files.exists(part) && Files.size(part) >= 400_000)) {
      assertThat(p.isAlive()).as(Files.readString(tmp.resolve("killed.err"))).isTrue();
      assertThat(System.nanoTime()).isLessThan(deadline);
      Thread.sleep(50);
    }
    p.destroyForcibly().waitFor();
    long had = Files.size(part);
    Path repo = tmp.resolve("hub/models--org--big");
    assertThat(blobs().resolve(oid())).doesNotExist();
    assertThat(repo.resolve("refs/main")).doesNotExist();
    assertThat(repo.resolve("snapshots/" + commit + "/model.safetensors")).doesNotExist();

    fake.bytesPerSecond = 0;
    StringWriter log = new StringWriter();
    HubAccess access =
        new HubAccess(URI.create(fake.endpoint()), Optional.of(new HubToken(TOKEN)), "HF_TOKEN");
    Backoff quick =
        new Backoff(
            3,
            Duration.ZERO,
            Duration.ZERO,
            Duration.ofMinutes(1),
            Duration.ofSeconds(30),
            Clock.systemUTC(),
            d -> {},
            new Random(1));
    Snapshot s =
        new Pull(
                new HubHttp(access, quick, x -> {}),
                new HubCache(tmp.resolve("hub")),
                new Progress(new PrintWriter(log), false, System::nanoTime, 60_000),
                2)
            .pull(new RepoRef(RepoRef.Type.MODEL, "org/big", "main"), Selection.model());
    assertThat(Files.readAllBytes(s.directory().resolve("model.safetensors"))).isEqualTo(WEIGHTS);
    assertThat(Files.readString(repo.resolve("refs/main"))).isEqualTo(commit);
    List<FakeDownloadHub.Req> weights = fake.requests("/lfs/" + oid());
    assertThat(weights.get(weights.size() - 1).range()).isEqualTo("bytes=" + had + "-");
    assertThat(log.toString()).contains(Progress.bytes(had) + " already downloaded");
  }

  @Test
  void twoPullsAtOnceDownloadEachBlobOnceAndBothSucceed() throws Exception {
    fake.bytesPerSecond = 500_000;
    List<Process> ps = new ArrayList<>(List.of(pull("a"), pull("b")));
    for (Process p : ps) {
      assertThat(p.waitFor(150, TimeUnit.SECONDS)).isTrue();
    }
    String snapshot = tmp.resolve("hub/models--org--big/snapshots/" + commit).toString();
    for (String name : List.of("a", "b")) {
      assertThat(ps.get(name.equals("a") ? 0 : 1).exitValue())
          .as(Files.readString(tmp.resolve(name + ".err")))
          .isZero();
      assertThat(Files.readString(tmp.resolve(name + ".out")).strip()).isEqualTo(snapshot);
      assertThat(Files.readString(tmp.resolve(name + ".err"))).doesNotContain(TOKEN);
    }
    assertThat(fake.requests("/lfs/" + oid())).hasSize(1);
    assertThat(Files.readString(tmp.resolve("a.err")) + Files.readString(tmp.resolve("b.err")))
        .contains("another process is downloading it");
    assertThat(Files.readAllBytes(Path.of(snapshot, "model.safetensors"))).isEqualTo(WEIGHTS);
    try (var left = Files.list(blobs())) {
      assertThat(left.map(p -> p.getFileName().toString()))
          .noneMatch(n -> n.contains("incomplete"));
    }
  }
}
