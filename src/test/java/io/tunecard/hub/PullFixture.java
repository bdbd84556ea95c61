package io.tunecard.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** A {@link FakeDownloadHub}, a cache in a temporary folder and a pull with recorded waits. */
abstract class PullFixture {
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
}
