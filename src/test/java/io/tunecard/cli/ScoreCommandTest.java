package io.tunecard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.files.Jsonl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScoreCommandTest {
  @TempDir Path dir;

  private Path predictions() throws Exception {
    Path f = dir.resolve("gen.jsonl");
    Files.writeString(
        f,
        """
        {"id":"q1","question":"?","prediction":"Anemia is a low red cell count.","reference":"Anemia is low red cells.","tokens":9}
        {"id":"q2","prediction":"a b c a b c","reference":"a b c"}
        {"id":"q3","prediction":"Iron helps.","reference":"Iron deficiency causes anemia."}
        """);
    return f;
  }

  @Test
  void writesAggregatesAndRows() throws Exception {
    Path out = dir.resolve("out/scores.json");
    MainTest.Result r =
        MainTest.run(
            "score",
            "--predictions",
            predictions().toString(),
            "--per-row",
            "--seed",
            "7",
            "--out",
            out.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("rougeL").contains("2 of 3 rows have no \"tokens\" field");
    JsonNode root = Jsonl.readTree(out);
    List<String> names = new ArrayList<>();
    root.get("aggregate").fieldNames().forEachRemaining(names::add);
    assertThat(names)
        .containsExactly(
            "rougeL",
            "tokens_len",
            "distinct_1",
            "distinct_2",
            "distinct_1_corpus",
            "distinct_2_corpus",
            "repetition_r3");
    JsonNode rouge = root.get("aggregate").get("rougeL");
    assertThat(rouge.get("n").asInt()).isEqualTo(3);
    assertThat(rouge.get("ci_low").asDouble()).isLessThanOrEqualTo(rouge.get("ci_high").asDouble());
    assertThat(root.get("tokens_len_source").get("whitespace").asInt()).isEqualTo(2);
    JsonNode q2 = root.get("rows").get(1);
    assertThat(q2.get("id").asText()).isEqualTo("q2");
    assertThat(q2.get("rougeL").get("precision").asDouble()).isEqualTo(0.5);
    assertThat(q2.get("rougeL").get("recall").asDouble()).isEqualTo(1.0);
    assertThat(q2.get("repetition_r3").asDouble()).isEqualTo(0.25);
    assertThat(q2.has("distinct_1_corpus")).isFalse();
  }

  @Test
  void chosenMetricsOnlyAndNoRowsByDefault() throws Exception {
    Path out = dir.resolve("scores.json");
    MainTest.Result r =
        MainTest.run(
            "score",
            "--predictions",
            predictions().toString(),
            "--metrics",
            "distinct_2,rougeL",
            "--stemmer",
            "--out",
            out.toString());
    assertThat(r.code()).as(r.err()).isZero();
    JsonNode root = Jsonl.readTree(out);
    assertThat(root.get("aggregate").size()).isEqualTo(2);
    assertThat(root.has("rows")).isFalse();
    assertThat(root.get("rouge_stemming").asBoolean()).isTrue();
  }

  @Test
  void badInputExitsTwoNamingFileAndLineAndWritesNothing() throws Exception {
    Path f = dir.resolve("bad.jsonl");
    Files.writeString(
        f, "{\"id\":\"a\",\"prediction\":\"x\",\"reference\":\"y\"}\n{\"id\":\"b\"}\n");
    Path out = dir.resolve("scores.json");
    MainTest.Result r =
        MainTest.run("score", "--predictions", f.toString(), "--out", out.toString());
    assertThat(r.code()).isEqualTo(Main.BAD_INPUT);
    assertThat(r.err()).contains(f + ":2: prediction: expected a string").doesNotContain("\tat ");
    assertThat(out).doesNotExist();
    assertThat(dir.toFile().list()).containsExactly("bad.jsonl");
  }

  @Test
  void unknownMetricAndTooFewResamplesAreUsageErrors() throws Exception {
    Path out = dir.resolve("scores.json");
    MainTest.Result r =
        MainTest.run(
            "score",
            "--predictions",
            predictions().toString(),
            "--metrics",
            "bleu",
            "--out",
            out.toString());
    assertThat(r.code()).isEqualTo(Main.BAD_INPUT);
    assertThat(r.err()).contains("--metrics: unknown metric 'bleu'");
    r =
        MainTest.run(
            "score",
            "--predictions",
            predictions().toString(),
            "--resamples",
            "200",
            "--out",
            out.toString());
    assertThat(r.code()).isEqualTo(Main.BAD_INPUT);
    assertThat(r.err()).contains("--resamples: expected at least 1000, found 200");
  }

  // Issue 18, case 6: --resamples=2000000000 was accepted (hours of resampling, or never).
  @Test
  void anAbsurdResampleCountIsRefusedWithItsBound() throws Exception {
    MainTest.Result r =
        MainTest.run(
            "score",
            "--predictions",
            predictions().toString(),
            "--resamples",
            "2000000000",
            "--out",
            dir.resolve("s.json").toString());
    assertThat(r.code()).isEqualTo(Main.BAD_INPUT);
    assertThat(r.err()).contains("--resamples").contains("at most 1000000");
    assertThat(dir.resolve("s.json")).doesNotExist();
  }
}
