package io.tunecard.hub;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The step commands take before their stages: use the cache, pull what is missing, or not. */
class HubInputsTest {
  @TempDir Path tmp;
  FakeDownloadHub fake;
  final StringWriter err = new StringWriter();

  @BeforeEach
  void start() throws IOException {
    fake = new FakeDownloadHub("hf_inputs");
  }

  @AfterEach
  void stop() {
    fake.close();
    assertThat(fake.problems).isEmpty();
  }

  HubInputs inputs(boolean offline, String... extra) {
    Map<String, String> env = new HashMap<>();
    env.put("HF_ENDPOINT", fake.endpoint());
    env.put("HF_HUB_CACHE", tmp.resolve("hub").toString());
    env.put("HF_TOKEN_PATH", tmp.resolve("no-token").toString());
    for (int i = 0; i < extra.length; i += 2) {
      env.put(extra[i], extra[i + 1]);
    }
    return new HubInputs(env, tmp, offline, new PrintWriter(err, true), 2);
  }

  /**
   * The layout huggingface_hub writes when transformers downloads a model: blobs named by sha256
   * (LFS) or git blob id, relative links in the snapshot, refs/main.
   */
  static Path transformersCache(Path root, String id, String commit, Map<String, byte[]> files)
      throws IOException {
    Path repo = root.resolve("models--" + id.replace("/", "--"));
    Path snap = repo.resolve("snapshots").resolve(commit);
    Files.createDirectories(snap);
    Files.createDirectories(repo.resolve("blobs"));
    for (var e : files.entrySet()) {
      String etag =
          FakeDownloadHub.lfs(e.getKey(), e.getValue())
              ? FakeDownloadHub.sha256(e.getValue())
              : FakeDownloadHub.gitOid(e.getValue());
      Files.write(repo.resolve("blobs").resolve(etag), e.getValue());
      Files.createSymbolicLink(snap.resolve(e.getKey()), Path.of("../../blobs/" + etag));
    }
    Files.createDirectories(repo.resolve("refs"));
    Files.writeString(repo.resolve("refs/main"), commit, StandardCharsets.UTF_8);
    return snap;
  }

  @Test
  void offlineIsReadAsHuggingfaceHubReadsIt() {
    for (String v : List.of("1", "true", "YES", "on")) {
      assertThat(HubInputs.offline(Map.of("HF_HUB_OFFLINE", v))).as(v).isTrue();
    }
    assertThat(HubInputs.offline(Map.of("TRANSFORMERS_OFFLINE", "1"))).isTrue();
    assertThat(HubInputs.offline(Map.of("HF_HUB_OFFLINE", "0"))).isFalse();
    assertThat(HubInputs.offline(Map.of())).isFalse();
    assertThat(inputs(false, "HF_HUB_OFFLINE", "1").offline()).isTrue();
  }

  @Test
  void offlineNothingIsPulledAndAMissingModelIsLeftToTheStage() {
    fake.add("models/org/tiny", PullTest.MODEL);
    assertThat(inputs(true).model("org/tiny", "model.base")).isEmpty();
    assertThat(inputs(false, "HF_HUB_OFFLINE", "1").model("org/tiny", "model.base")).isEmpty();
    assertThat(fake.requests).isEmpty();
  }

  @Test
  void aModelTransformersDownloadedIsUsedWithoutASecondCopy() throws IOException {
    String commit = "a".repeat(40);
    Map<String, byte[]> files =
        Map.of(
            "config.json", PullTest.text("{}"),
            "model.safetensors", PullTest.bytes(1000, 9));
    Path snap = transformersCache(tmp.resolve("hub"), "org/cached", commit, files);
    Optional<Snapshot> s = inputs(false).model("org/cached", "model.base");
    assertThat(s).isPresent();
    assertThat(s.get().directory()).isEqualTo(snap);
    assertThat(s.get().commit()).isEqualTo(commit);
    assertThat(s.get().files())
        .extracting(Snapshot.Entry::sha256)
        .containsExactly(
            FakeDownloadHub.sha256(files.get("config.json")),
            FakeDownloadHub.sha256(files.get("model.safetensors")));
    assertThat(fake.requests).isEmpty();
    try (Stream<Path> blobs = Files.list(tmp.resolve("hub/models--org--cached/blobs"))) {
      assertThat(blobs).hasSize(2);
    }
  }

  @Test
  void anIncompleteSnapshotIsCompletedByAPull() throws IOException {
    String commit = fake.add("models/org/tiny", PullTest.MODEL);
    // What AutoConfig.from_pretrained leaves: the config alone.
    transformersCache(
        tmp.resolve("hub"),
        "org/tiny",
        commit,
        Map.of("config.json", PullTest.MODEL.get("config.json")));
    Snapshot s = inputs(false).model("org/tiny", "model.base").orElseThrow();
    assertThat(Files.readAllBytes(s.directory().resolve("model.safetensors")))
        .isEqualTo(PullTest.MODEL.get("model.safetensors"));
    assertThat(err.toString()).contains("org/tiny is not complete").contains("pulling it");
    // The config was already there: only the other two files were fetched.
    assertThat(fake.requests(".*/resolve/.*")).hasSize(2);
  }

  @Test
  void aLocalDirectoryIsNoHubRepository() throws IOException {
    Files.createDirectories(tmp.resolve("org/dir"));
    assertThat(inputs(false).model(tmp.resolve("org/dir").toString(), "model.base")).isEmpty();
    assertThat(fake.requests).isEmpty();
  }

  @Test
  void anEncoderThatCannotBePulledOnlyTurnsBertScoreOff() {
    assertThat(inputs(false).encoder("FacebookAI/roberta-large")).isEmpty();
    assertThat(err.toString())
        .contains("eval.bertscore.model FacebookAI/roberta-large: not pulled")
        .contains("was not found")
        .contains("BERTScore will be reported as not computed");
  }

  @Test
  void theManifestEntryNamesTheCommitAndEveryFilesSha256() {
    String commit = fake.add("models/org/tiny", PullTest.MODEL);
    Snapshot s = inputs(false).model("org/tiny@main", "model.base").orElseThrow();
    JsonNode e = HubInputs.entries(List.of(new HubInputs.Source("model.base", s))).get(0).toTree();
    assertThat(e.path("key").asText()).isEqualTo("model.base");
    assertThat(e.path("repo").asText()).isEqualTo("org/tiny");
    assertThat(e.path("repo_type").asText()).isEqualTo("model");
    assertThat(e.path("revision").asText()).isEqualTo("main");
    assertThat(e.path("commit").asText()).isEqualTo(commit);
    assertThat(e.path("files").get(1).path("path").asText()).isEqualTo("model.safetensors");
    assertThat(e.path("files").get(1).path("sha256").asText())
        .isEqualTo(FakeDownloadHub.sha256(PullTest.MODEL.get("model.safetensors")));
    assertThat(e.path("files").get(0).path("sha256").asText())
        .isEqualTo(FakeDownloadHub.sha256(PullTest.MODEL.get("config.json")));
  }
}
