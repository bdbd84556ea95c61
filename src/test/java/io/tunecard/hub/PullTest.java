package io.tunecard.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Pulls from {@link FakeDownloadHub}: the cache layout of models, shards, datasets, revisions. */
class PullTest extends PullFixture {
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
  void aPinnedCommitWritesNoRef() {
    String commit = fake.add("models/org/tiny", MODEL);
    pull(http(TOKEN), BlobDownload.Disk.LOCAL)
        .pull(new RepoRef(RepoRef.Type.MODEL, "org/tiny", commit), Selection.model());
    assertThat(tmp.resolve("hub/models--org--tiny/snapshots/" + commit + "/config.json")).exists();
    assertThat(tmp.resolve("hub/models--org--tiny/refs")).doesNotExist();
  }
}
