package io.tunecard.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BertScoreTest {
  record Case(BertScore.Pair pair, double[] expected) {}

  /** Cases made by bertscore/make_cases.py: bert_score's matching over padded float32 batches. */
  static List<Case> cases() throws IOException {
    try (InputStream in =
        BertScoreTest.class.getResourceAsStream("bertscore/bertscore_cases.json")) {
      JsonNode root = new ObjectMapper().readTree(in);
      List<Case> out = new ArrayList<>();
      for (JsonNode p : root.get("pairs")) {
        out.add(
            new Case(
                new BertScore.Pair(
                    matrix(p.get("candidate")),
                    vector(p.get("candidate_weights")),
                    matrix(p.get("reference")),
                    vector(p.get("reference_weights"))),
                new double[] {
                  p.get("expected_batched").get(0).asDouble(),
                  p.get("expected_batched").get(1).asDouble(),
                  p.get("expected_batched").get(2).asDouble()
                }));
      }
      return out;
    }
  }

  @Test
  void batchedScoresEqualBertScoreMatching() throws IOException {
    List<Case> cases = cases();
    List<BertScore.Result> got = BertScore.scoreBatched(cases.stream().map(Case::pair).toList(), 3);
    for (int i = 0; i < cases.size(); i++) {
      double[] e = cases.get(i).expected();
      assertThat(got.get(i).precision()).as("P of pair %d", i).isCloseTo(e[0], within(1e-5));
      assertThat(got.get(i).recall()).as("R of pair %d", i).isCloseTo(e[1], within(1e-5));
      assertThat(got.get(i).f()).as("F of pair %d", i).isCloseTo(e[2], within(1e-5));
    }
  }

  @Test
  void paddingOnlyMattersWhereABestMatchIsNegative() throws IOException {
    List<Case> cases = cases();
    // Pair 2 has only negative similarities and is the shortest of its batch on both sides: in
    // the batch its best matches are the zero-similarity padding, unpadded they are negative.
    BertScore.Result unpadded = BertScore.score(cases.get(2).pair());
    assertThat(unpadded.f()).isNotCloseTo(cases.get(2).expected()[2], within(1e-3));
    // The longest pair of the second batch is not padded on either side.
    BertScore.Result longest = BertScore.score(cases.get(5).pair());
    assertThat(longest.f()).isCloseTo(cases.get(5).expected()[2], within(1e-5));
  }

  @Test
  void identicalSentencesScoreOne() {
    float[][] e = {{1, 0, 0}, {0.2f, 0.9f, 0.1f}, {0, 0, 1}};
    float[] w = BertScore.weightsWithout(new long[] {0, 42, 2}, 0, 2);
    assertThat(w).containsExactly(0f, 1f, 0f);
    BertScore.Result r = BertScore.score(new BertScore.Pair(e, w, e, w));
    assertThat(r.precision()).isCloseTo(1.0, within(1e-12));
    assertThat(r.recall()).isCloseTo(1.0, within(1e-12));
    assertThat(r.f()).isCloseTo(1.0, within(1e-12));
  }

  @Test
  void specialTokensWeighZeroButStillMatch() {
    // The candidate's only real token matches the reference's </s> best: weight 0 does not stop
    // </s> from being matched.
    float[][] cand = {{1, 0}, {0, 1}, {1, 1}};
    float[][] ref = {{1, 0}, {1, -1}, {0, 1}};
    float[] w = {0, 1, 0};
    BertScore.Result r = BertScore.score(new BertScore.Pair(cand, w, ref, w));
    assertThat(r.precision()).isCloseTo(1.0, within(1e-12));
    // Reference token (1,-1): best is <s> of the candidate, cos 1/sqrt(2).
    assertThat(r.recall()).isCloseTo(1 / Math.sqrt(2), within(1e-12));
  }

  @Test
  void emptySentenceScoresZeroAndRescalingIsPerComponent() {
    float[][] empty = {{1, 0}, {0, 1}};
    float[][] ref = {{1, 0}, {1, 1}, {0, 1}};
    BertScore.Result r =
        BertScore.score(new BertScore.Pair(empty, new float[] {0, 0}, ref, new float[] {0, 1, 0}));
    assertThat(r).isEqualTo(new BertScore.Result(0, 0, 0));
    BertScore.Result scaled =
        BertScore.rescale(
            new BertScore.Result(0.9, 0.8, 0.85), new BertScore.Baseline(0.8, 0.6, 0.7));
    assertThat(scaled.precision()).isCloseTo(0.5, within(1e-12));
    assertThat(scaled.recall()).isCloseTo(0.5, within(1e-12));
    assertThat(scaled.f()).isCloseTo(0.5, within(1e-12));
  }

  @Test
  void mismatchedShapesAreRejected() {
    float[][] e = {{1, 0}};
    assertThatThrownBy(() -> new BertScore.Pair(e, new float[] {1, 1}, e, new float[] {1}))
        .hasMessageContaining("candidate: expected one weight per token (1), found 2");
  }

  private static float[][] matrix(JsonNode rows) {
    float[][] m = new float[rows.size()][];
    for (int i = 0; i < m.length; i++) {
      m[i] = vector(rows.get(i));
    }
    return m;
  }

  private static float[] vector(JsonNode values) {
    float[] v = new float[values.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) values.get(i).asDouble();
    }
    return v;
  }
}
