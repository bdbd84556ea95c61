package io.tunecard.rundir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tunecard.files.BadInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
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
