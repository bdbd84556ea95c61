package io.tunecard.rundir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetStatsFileTest {
  static final Path CARD_RUN_STATS =
      Path.of("src/test/resources/io/tunecard/card/run/dataset/stats.json");

  @TempDir Path tmp;

  @Test
  void readsEveryKeyOfTheFormat() {
    DatasetStatsFile s = DatasetStatsFile.read(CARD_RUN_STATS);
    assertThat(s.source()).isEqualTo("medquad-xml");
    assertThat(s.input()).isEqualTo("data/medquad.zip");
    assertThat(s.rows()).isEqualTo(new DatasetStatsFile.Rows(47441L, 16359L, 31082L));
    assertThat(s.rejectedByReason())
        .containsExactly(Map.entry("duplicate", 48L), Map.entry("empty_answer", 31034L));
    assertThat(s.splits().keySet()).containsExactly("train", "validation", "test");
    assertThat(s.rowsOf("validation")).isEqualTo(2453L);
    assertThat(s.bySource()).containsEntry("CancerGov", 729L).hasSize(9);
    assertThat(s.byQuestionType()).containsEntry("complications", 48L);
    assertThat(s.answerChars().min()).isEqualTo(6);
    assertThat(s.nearDuplicates().count()).isNotNull();
  }

  /** A stats.json as ingest wrote it before the file was written from this record. */
  static final Path INGESTED =
      Path.of("src/test/resources/io/tunecard/ingest/stats/near-duplicates.json");

  @Test
  void aFileIngestWroteIsReadAndWrittenAgainByteForByte() throws Exception {
    Path file = tmp.resolve("stats.json");
    DatasetStatsFile.read(INGESTED).write(file);
    assertThat(Files.readString(file)).isEqualTo(Files.readString(INGESTED));
  }

  @Test
  void bySplitIsReadInTheFilesOrder() {
    DatasetStatsFile s = DatasetStatsFile.read(INGESTED);
    assertThat(s.bySplit().keySet()).containsExactly("train", "validation", "test");
    assertThat(s.bySplit().get("test"))
        .isEqualTo(new DatasetStatsFile.SplitCounts(Map.of("GHR", 2L), Map.of("information", 2L)));
  }

  @Test
  void aBadCountInBySplitNamesItsKey() throws Exception {
    Path file = tmp.resolve("stats.json");
    Files.writeString(file, "{\"by_split\": {\"train\": {\"by_source\": {\"GHR\": -1}}}}");
    assertThatThrownBy(() -> DatasetStatsFile.read(file))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("key 'by_split.train.by_source.GHR': expected a count");
  }

  /** ingest's stats.json as ingest writes it, with answer_tokens still null. */
  private Path ingested() throws Exception {
    ObjectNode stats = Jsonl.MAPPER.createObjectNode();
    stats.put("source", "hf-export").put("input", "in.jsonl");
    stats.putObject("rows").put("read", 5).put("usable", 4).put("rejected", 1);
    stats.putObject("rejected_by_reason").put("empty_answer", 1);
    stats.putObject("splits").put("train", 2).put("validation", 1).put("test", 1);
    stats.set("answer_chars", LengthDistribution.of(new int[] {3, 5, 8, 13}).toTree());
    stats.putNull("answer_tokens");
    ObjectNode near = stats.putObject("near_duplicate_questions_across_splits").put("count", 1);
    near.putArray("examples")
        .addObject()
        .put("a", "A_1")
        .put("b", "B_2")
        .put("question", "what is gout")
        .putArray("splits")
        .add("train")
        .add("test");
    Path file = tmp.resolve("stats.json");
    Files.writeString(file, Jsonl.pretty(stats));
    return file;
  }

  @Test
  void answerTokensAreFilledInPlaceWithEveryOtherKeyAsItWas() throws Exception {
    Path file = ingested();
    ObjectNode before = (ObjectNode) Jsonl.readTree(file);
    DatasetStatsFile read = DatasetStatsFile.read(file);
    assertThat(read.answerTokens()).isNull();
    assertThat(read.answerChars()).isEqualTo(new LengthDistribution(3, 5, 13, 13, 13, 7.3));
    assertThat(read.nearDuplicates().examples())
        .containsExactly(
            new DatasetStatsFile.Example("A_1", "B_2", List.of("train", "test"), "what is gout"));

    LengthDistribution tokens = LengthDistribution.of(new int[] {2, 4});
    DatasetStatsFile.recordAnswerTokens(file, tokens);
    // The bytes the earlier code wrote: the tree as read, answer_tokens set in its place.
    before.set("answer_tokens", tokens.toTree());
    assertThat(Files.readString(file)).isEqualTo(Jsonl.pretty(before));
    assertThat(DatasetStatsFile.read(file).answerTokens()).isEqualTo(tokens);
    assertThat(DatasetStatsFile.read(file).splits()).isEqualTo(read.splits());
  }

  @Test
  void aCountThatIsNotOneIsBadInputNamingTheKey() throws Exception {
    Path file = tmp.resolve("stats.json");
    Files.writeString(file, "{\"splits\": {\"train\": -1}}");
    assertThatThrownBy(() -> DatasetStatsFile.read(file))
        .isInstanceOf(BadInputException.class)
        .hasMessage(file + ": key 'splits.train': expected a count, found -1");
    Files.writeString(file, "{\"answer_tokens\": {\"p50\": \"x\"}}");
    assertThatThrownBy(() -> DatasetStatsFile.read(file))
        .hasMessage(file + ": key 'answer_tokens.p50': expected an integer, found \"x\"");
  }

  @Test
  void noValuesGiveAnAllNullDistribution() {
    assertThat(Jsonl.write(LengthDistribution.of(new int[0]).toTree()))
        .isEqualTo(
            "{\"min\":null,\"p50\":null,\"p90\":null,\"p99\":null,\"max\":null,\"mean\":null}");
  }
}
