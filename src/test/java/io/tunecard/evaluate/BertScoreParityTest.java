package io.tunecard.evaluate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.metrics.BertScore;
import io.tunecard.model.Fixtures;
import io.tunecard.workflow.BertScoreSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One BERTScore definition, two engines: the JVM's scorer ({@link BertScorer}: tokenizer, {@code
 * RobertaEncoder}, {@code BertScore}) against the P/R/F that the Python worker's bertscore.py
 * computed for the same sentences with the same tiny random RoBERTa (fixtures/bertscore-parity,
 * made by scripts/fixtures/make_bertscore_parity.py; the worker's test_bertscore.py recomputes
 * them). Pairs are matched in batches (bert_score's padding), one per batch, and rescaled.
 */
class BertScoreParityTest {
  static final double TOLERANCE = 1e-5;

  static JsonNode vectors() {
    return Fixtures.json("bertscore-parity/vectors.json");
  }

  static List<String> side(JsonNode v, String key) {
    List<String> out = new ArrayList<>();
    v.get("pairs").forEach(p -> out.add(p.get(key).asText()));
    return out;
  }

  static double check(JsonNode v, String key, int batch, boolean rescale) {
    Path encoder = Fixtures.path("bertscore-parity").resolve(v.get("encoder").asText());
    BertScoreSpec s =
        new BertScoreSpec(encoder.toString(), v.get("layer").asInt(), rescale, batch, "fp32");
    double worst = 0;
    try (BertScorer scorer = BertScorer.load(encoder, s)) {
      List<BertScore.Result> got = scorer.scores(side(v, "candidate"), side(v, "reference"));
      JsonNode want = v.get(key);
      assertThat(got).hasSize(want.size());
      for (int i = 0; i < got.size(); i++) {
        double[] g = {got.get(i).precision(), got.get(i).recall(), got.get(i).f()};
        for (int k = 0; k < 3; k++) {
          double d = Math.abs(g[k] - want.get(i).get(k).asDouble());
          assertThat(d).as("%s pair %d value %d", key, i, k).isLessThanOrEqualTo(TOLERANCE);
          worst = Math.max(worst, d);
        }
      }
    }
    return worst;
  }

  @Test
  void theJvmTokenizesEverySentenceAsTheWorkerDid() {
    JsonNode v = vectors();
    Path encoder = Fixtures.path("bertscore-parity").resolve(v.get("encoder").asText());
    BertScoreSpec s =
        new BertScoreSpec(encoder.toString(), v.get("layer").asInt(), false, 4, "fp32");
    try (BertScorer scorer = BertScorer.load(encoder, s)) {
      for (JsonNode p : v.get("pairs")) {
        for (String side : List.of("candidate", "reference")) {
          long[] want = new long[p.get(side + "_ids").size()];
          for (int i = 0; i < want.length; i++) {
            want[i] = p.get(side + "_ids").get(i).asLong();
          }
          assertThat(scorer.sentenceIds(p.get(side).asText()))
              .as("%s %s", side, p.get(side).asText())
              .containsExactly(want);
        }
      }
    }
  }

  @Test
  void theJvmsScoresEqualTheWorkersWithinTolerance() {
    JsonNode v = vectors();
    double batched = check(v, "batched", v.get("batch").asInt(), false);
    double alone = check(v, "one_per_batch", 1, false);
    double rescaled = check(v, "rescaled", v.get("batch").asInt(), true);
    System.out.printf(
        "bertscore JVM vs worker, %d pairs: max |diff| %.3g (batches of %d), %.3g (one per"
            + " batch), %.3g (rescaled)%n",
        v.get("pairs").size(), batched, v.get("batch").asInt(), alone, rescaled);
  }
}
