package io.tunecard.rundir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * manifest.json keeps its bytes now that it changes only through {@link Manifest}'s named methods:
 * the fixture {@code reference-run-manifest.json} is the manifest of the reference run of
 * docs/bench (written by the earlier code, which edited the JSON tree in place); replaying that run
 * through the methods, in the order a run calls them, writes the same bytes.
 */
class ManifestFormatTest {
  static final Path REFERENCE =
      Path.of("src/test/resources/io/tunecard/rundir/reference-run-manifest.json");

  /**
   * The reference run's manifest after two commands recorded Hub entries, a publish recorded its
   * outcome and the card stage was cleared, as the earlier code wrote it (from the inputs below).
   */
  static final Path WITH_HUB_AND_PUBLISH =
      Path.of("src/test/resources/io/tunecard/rundir/reference-run-manifest-hub-publish.json");

  static final String HUB_1 =
      "[{\"key\":\"dataset.repo\",\"repo\":\"lavita/MedQuAD\",\"repo_type\":\"dataset\",\"revision\":\"main\",\"commit\":\"d1d1d1d1\",\"files\":[{\"path\":\"data/train-00000-of-00001.parquet\",\"size\":22633159,\"sha256\":\"aa11\"}]},"
          + "{\"key\":\"model.base\",\"repo\":\"mistralai/Mistral-7B-Instruct-v0.3\",\"repo_type\":\"model\",\"revision\":\"main\",\"commit\":\"m1m1m1m1\",\"files\":[{\"path\":\"config.json\",\"size\":601,\"sha256\":\"bb22\"}]}]";
  static final String HUB_2 =
      "[{\"key\":\"model.base\",\"repo\":\"mistralai/Mistral-7B-Instruct-v0.3\",\"repo_type\":\"model\",\"revision\":\"main\",\"commit\":\"m2m2m2m2\",\"files\":[{\"path\":\"config.json\",\"size\":602,\"sha256\":\"cc33\"}]},"
          + "{\"key\":\"eval.bertscore.model\",\"repo\":\"FacebookAI/roberta-large\",\"repo_type\":\"model\",\"revision\":\"main\",\"commit\":\"e1e1e1e1\",\"files\":[]}]";
  static final String PUBLISH =
      "{\"status\":\"published\",\"repo_id\":\"org/medquad-lora\",\"commit_id\":\"c0ffee\",\"url\":\"https://huggingface.co/org/medquad-lora/commit/c0ffee\","
          + "\"gate\":{\"passed\":true,\"reasons\":[],\"checks\":[\"eval_loss below base\"]},\"upload_modes_by\":\"preupload\","
          + "\"files\":[{\"path\":\"adapter_model.safetensors\",\"size\":335604696,\"sha256\":\"628f\",\"mode\":\"lfs\"},{\"path\":\"README.md\",\"size\":12,\"sha256\":\"dd44\",\"mode\":null}]}";

  @TempDir Path tmp;

  /** A clock the test sets to each recorded instant. */
  static final class SetClock extends Clock {
    Instant now = Instant.EPOCH;

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  @Test
  void replayingTheReferenceRunWritesItsManifestByteForByte() throws Exception {
    ManifestFile ref = ManifestFile.read(REFERENCE);
    assertThat(ref.stages()).containsOnlyKeys("ingest", "train", "evaluate", "card");

    RunDirectory run = new RunDirectory(tmp.resolve("run"));
    SetClock clock = new SetClock();
    Manifest m = new Manifest(run, clock);
    m.recordLineage(
        ref.workflow(),
        new Lineage.Git(ref.git().commit(), ref.git().dirty()),
        ref.versions(),
        ref.seeds());
    ref.stages().keySet().forEach(m::clearStage);
    for (Map.Entry<String, ManifestFile.StageRecord> e : ref.stages().entrySet()) {
      ManifestFile.StageRecord s = e.getValue();
      Instant started = Instant.parse(s.started());
      clock.now = started;
      m.stageStarted(e.getKey());
      assertThat(m.stage(e.getKey()).done()).isFalse();
      clock.now = started.plusMillis(Math.round(s.seconds() * 1000));
      m.stageFinished(e.getKey(), s.hash(), s.outputs());
      switch (e.getKey()) {
        case "ingest" -> m.recordDataset(ref.dataset());
        case "train" -> m.recordAdapter(ref.adapter());
        default -> {}
      }
    }

    assertThat(Files.readString(run.manifest())).isEqualTo(Files.readString(REFERENCE));
    assertThat(m.read()).isEqualTo(ref);
  }

  @Test
  void hubEntriesAndAPublishOutcomeAreWrittenAsBefore() throws Exception {
    RunDirectory run = new RunDirectory(tmp.resolve("run"));
    Files.createDirectories(run.root());
    Files.copy(REFERENCE, run.manifest());
    Manifest m = new Manifest(run);
    // The earlier code's inputs, JSON trees, read into the records that now carry them.
    ObjectMapper snake =
        Jsonl.MAPPER.copy().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
    var hub = new TypeReference<List<ManifestFile.HubEntry>>() {};
    m.recordHub(snake.readValue(HUB_1, hub));
    m.recordHub(snake.readValue(HUB_2, hub));
    m.recordPublish(snake.readValue(PUBLISH, ManifestFile.PublishEntry.class));
    m.clearStage("card");

    assertThat(Files.readString(run.manifest())).isEqualTo(Files.readString(WITH_HUB_AND_PUBLISH));
    ManifestFile.PublishEntry p = m.read().publish();
    assertThat(p.status()).isEqualTo("published");
    assertThat(p.commitId()).isEqualTo("c0ffee");
    assertThat(p.files())
        .containsExactly(
            new ManifestFile.PublishedFile("adapter_model.safetensors", 335604696L, "628f", "lfs"),
            new ManifestFile.PublishedFile("README.md", 12L, "dd44", null));
    assertThat(p.gate())
        .isEqualTo(new ManifestFile.GateEntry(true, List.of(), List.of("eval_loss below base")));
    assertThat(p.uploadModesBy()).isEqualTo("preupload");
    assertThat(m.read().stages()).doesNotContainKey("card");
  }

  @Test
  void theViewReadsTheReferenceRunsLineage() {
    ManifestFile ref = ManifestFile.read(REFERENCE);
    assertThat(ref.tunecardVersion()).isEqualTo("0.1.0-SNAPSHOT");
    assertThat(ref.workflow().overrides()).hasSize(8).contains("train.max_steps=200");
    assertThat(ref.git().dirty()).isTrue();
    assertThat(ref.seeds())
        .containsExactly(Map.entry("split", 42L), Map.entry("train", 42L), Map.entry("eval", 42L));
    assertThat(ref.stage("train").outputs().get("train/DONE.json").size()).isEqualTo(91L);
    assertThat(ref.dataset().get("validation").rows()).isEqualTo(2447L);
    assertThat(ref.adapter().checkpoint()).isEqualTo("step-200");
    assertThat(ref.publish()).isNull();
  }

  @Test
  void aValueOfTheWrongTypeIsBadInputNamingTheKey() throws Exception {
    Path file = tmp.resolve("manifest.json");
    Files.writeString(
        file, "{\"stages\": {\"train\": {\"status\": \"done\", \"seconds\": \"x\"}}}");
    assertThatThrownBy(() -> ManifestFile.read(file))
        .isInstanceOf(BadInputException.class)
        .hasMessage(file + ": key 'stages.train.seconds': expected a number, found \"x\"");
    Files.writeString(file, "{\"dataset\": {\"train\": {\"rows\": 1.5}}}");
    assertThatThrownBy(() -> ManifestFile.read(file))
        .hasMessage(file + ": key 'dataset.train.rows': expected an integer, found 1.5");
    Files.writeString(file, "{\"workflow\": {\"overrides\": [\"a=1\", 2]}}");
    assertThatThrownBy(() -> ManifestFile.read(file))
        .hasMessage(file + ": key 'workflow.overrides[1]': expected a string, found 2");
  }
}
