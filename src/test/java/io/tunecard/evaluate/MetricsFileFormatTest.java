package io.tunecard.evaluate;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunecard.rundir.EvalMetricsFile;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.workflow.StrategySpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The evaluation stage writes eval/metrics.json byte for byte as before the file became a record:
 * the goldens under {@code src/test/resources/io/tunecard/evaluate/metrics-format/} were written by
 * the earlier writer (a JSON tree built key by key) for the inputs below.
 */
class MetricsFileFormatTest {
  static final Path GOLDEN = Path.of("src/test/resources/io/tunecard/evaluate/metrics-format");

  @TempDir Path tmp;

  /** A fine-tune and a base answering {@code n} questions, deterministic and varied. */
  static List<GeneratedAnswer> answers(String model, String strategy, int n, int shift) {
    String[] words = {
      "the", "disease", "is", "caused", "by", "a", "gene", "mutation", "in", "cells", "and", "may"
    };
    List<GeneratedAnswer> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      StringBuilder reference = new StringBuilder();
      StringBuilder prediction = new StringBuilder();
      for (int w = 0; w < 6 + i % 5; w++) {
        reference.append(words[(i + w) % words.length]).append(' ');
        prediction.append(words[(i * shift + w * (1 + shift % 3)) % words.length]).append(' ');
      }
      out.add(
          new GeneratedAnswer(
              model,
              strategy,
              String.format("q%03d", i),
              "What is it " + i + "?",
              reference.toString().strip(),
              prediction.toString().strip(),
              6 + i % 5,
              (i + shift) % 3 == 0));
    }
    return out;
  }

  static EvalLossReport loss(boolean withCheckpoints) {
    LossResult base = new LossResult("base", null, null, 2.9012345678, 2.93, 51234);
    if (!withCheckpoints) {
      return new EvalLossReport("validation", 12, 16, null, List.of());
    }
    return new EvalLossReport(
        "validation",
        2453,
        16,
        base,
        List.of(
            new LossResult("step-150", "/r/train/checkpoints/step-150", 150L, 2.31, 2.3, 51234),
            new LossResult("step-50", "/r/train/checkpoints/step-50", 50L, 2.51234, 2.52, 51234)));
  }

  static List<StrategyScores> scores(
      Evaluation s, StrategyScorer.BertF1 bert, int n, boolean withBase) {
    StrategyScorer scorer = new StrategyScorer(s, bert, "no weights for roberta-large here");
    List<StrategyScores> out = new ArrayList<>();
    int shift = 1;
    for (StrategySpec d : s.eval().strategies()) {
      out.add(
          scorer.score(
              d.name(),
              answers(QuestionBatch.ADAPTER, d.name(), n, shift),
              withBase ? answers(QuestionBatch.BASE, d.name(), n, shift + 5) : null));
      shift++;
    }
    return out;
  }

  /** The scenarios: compare_base with BERTScore missing; one strategy with it; no checkpoints. */
  static Path write(String scenario, Path dir) {
    RunDirectory run = new RunDirectory(dir.resolve("run"));
    Evaluation s;
    List<StrategyScores> scores;
    EvalLossReport loss;
    switch (scenario) {
      case "compare-base" -> {
        s = Evaluation.of(EvalRunFixture.context(run), EvalOptions.defaults());
        scores = scores(s, null, 9, true);
        loss = loss(true);
      }
      case "bertscore" -> {
        s =
            Evaluation.of(
                EvalRunFixture.context(
                    run, "eval.compare_base=false", "eval.strategies=[{name: greedy}]"),
                EvalOptions.defaults());
        StrategyScorer.BertF1 bert =
            (model, strategy, rows) ->
                rows.stream().mapToDouble(r -> 0.8 + r.prediction().length() / 1000.0).toArray();
        scores = scores(s, bert, 7, false);
        loss = loss(true);
      }
      case "no-checkpoints" -> {
        s =
            Evaluation.of(
                EvalRunFixture.context(run, "eval.strategies=[{name: greedy}]"),
                EvalOptions.defaults());
        scores = scores(s, null, 4, true);
        loss = loss(false);
      }
      default -> throw new IllegalArgumentException(scenario);
    }
    Path file = dir.resolve(scenario + ".json");
    MetricsFile.build(s, loss, scores).write(file);
    return file;
  }

  static final List<String> SCENARIOS = List.of("compare-base", "bertscore", "no-checkpoints");

  @Test
  void theWriterWritesTheGoldensByteForByte() throws IOException {
    for (String scenario : SCENARIOS) {
      Path file = write(scenario, tmp);
      assertThat(Files.readString(file))
          .as(scenario)
          .isEqualTo(Files.readString(GOLDEN.resolve(scenario + ".json")));
    }
  }

  @Test
  void theRecordReadsAndWritesEachGoldenUnchanged() throws IOException {
    for (String scenario : SCENARIOS) {
      Path golden = GOLDEN.resolve(scenario + ".json");
      Path copy = tmp.resolve(scenario + ".json");
      EvalMetricsFile.read(golden).write(copy);
      assertThat(Files.readString(copy)).as(scenario).isEqualTo(Files.readString(golden));
    }
  }
}
