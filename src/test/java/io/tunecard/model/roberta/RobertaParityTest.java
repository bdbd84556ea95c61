package io.tunecard.model.roberta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.metrics.BertScore;
import io.tunecard.model.Fixtures;
import io.tunecard.model.safetensors.SafetensorsFile;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The RoBERTa encoder against transformers on the fixture's tiny random RoBERTa (made by
 * scripts/fixtures/make_fixtures.py): hidden states of every layer, alone and in a padded batch,
 * and BERTScore P/R/F computed from them against the {@code bert_score} algorithm's values there.
 */
class RobertaParityTest {
  static final double TOLERANCE = 1e-5;

  static long[] ids(JsonNode a) {
    long[] out = new long[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).asLong();
    }
    return out;
  }

  static double maxDiff(float[][] ours, float[] theirs) {
    double worst = 0;
    int h = ours[0].length;
    assertThat(ours.length * h).isEqualTo(theirs.length);
    for (int i = 0; i < ours.length; i++) {
      for (int j = 0; j < h; j++) {
        worst = Math.max(worst, Math.abs(ours[i][j] - theirs[i * h + j]));
      }
    }
    return worst;
  }

  @Test
  void everyLayerMatchesTransformers() {
    JsonNode fx = Fixtures.json("bertscore.json");
    long[] cand0 = ids(fx.get("pairs").get(0).get("candidate"));
    double worst = 0;
    try (NDManager root = NDManager.newBaseManager();
        SafetensorsFile expected = SafetensorsFile.open(Fixtures.path("bertscore.safetensors"))) {
      for (int layer = 0; layer <= 4; layer++) {
        try (RobertaEncoder enc = RobertaEncoder.load(Fixtures.path("roberta-tiny"), layer, root)) {
          float[][] ours = enc.encode(List.of(cand0)).get(0);
          double d = maxDiff(ours, expected.floats("cand_0.all_layers." + layer));
          assertThat(d).as("layer %d", layer).isLessThanOrEqualTo(TOLERANCE);
          worst = Math.max(worst, d);
        }
      }
    }
    System.out.printf("roberta hidden states, layers 0-4: max |diff| %.3g%n", worst);
  }

  @Test
  void bertScoreOfTheLayerMatchesTheFixtureAloneAndInAPaddedBatch() {
    JsonNode fx = Fixtures.json("bertscore.json");
    int layer = fx.get("layer").asInt();
    List<long[]> sequences = new ArrayList<>();
    for (JsonNode p : fx.get("pairs")) {
      sequences.add(ids(p.get("candidate")));
      sequences.add(ids(p.get("reference")));
    }
    try (NDManager root = NDManager.newBaseManager();
        SafetensorsFile expected = SafetensorsFile.open(Fixtures.path("bertscore.safetensors"));
        RobertaEncoder enc = RobertaEncoder.load(Fixtures.path("roberta-tiny"), layer, root)) {
      List<float[][]> batched = enc.encode(sequences); // padded to the longest of all eight
      double worstState = 0;
      double worstScore = 0;
      List<BertScore.Pair> pairs = new ArrayList<>();
      for (int i = 0; i < sequences.size() / 2; i++) {
        float[][] c = enc.encode(List.of(sequences.get(2 * i))).get(0);
        float[][] r = enc.encode(List.of(sequences.get(2 * i + 1))).get(0);
        worstState = Math.max(worstState, maxDiff(c, expected.floats("cand_" + i)));
        worstState = Math.max(worstState, maxDiff(r, expected.floats("ref_" + i)));
        worstState =
            Math.max(worstState, maxDiff(batched.get(2 * i), expected.floats("cand_" + i)));
        worstState =
            Math.max(worstState, maxDiff(batched.get(2 * i + 1), expected.floats("ref_" + i)));
        pairs.add(
            new BertScore.Pair(
                c,
                BertScore.weightsWithout(sequences.get(2 * i), 0, 2),
                r,
                BertScore.weightsWithout(sequences.get(2 * i + 1), 0, 2)));
      }
      // the fixture scored each pair on its own: bert_score's batching with one pair per batch
      List<BertScore.Result> results = BertScore.scoreBatched(pairs, 1);
      for (int i = 0; i < results.size(); i++) {
        JsonNode want = fx.get("pairs").get(i);
        BertScore.Result got = results.get(i);
        assertThat(got.precision()).isCloseTo(want.get("P").asDouble(), within(TOLERANCE));
        assertThat(got.recall()).isCloseTo(want.get("R").asDouble(), within(TOLERANCE));
        assertThat(got.f()).isCloseTo(want.get("F").asDouble(), within(TOLERANCE));
        worstScore = Math.max(worstScore, Math.abs(got.f() - want.get("F").asDouble()));
        worstScore = Math.max(worstScore, Math.abs(got.precision() - want.get("P").asDouble()));
        worstScore = Math.max(worstScore, Math.abs(got.recall() - want.get("R").asDouble()));
      }
      assertThat(worstState).isLessThanOrEqualTo(TOLERANCE);
      System.out.printf(
          "bertscore layer %d: hidden states max |diff| %.3g (alone and padded), P/R/F max |diff|"
              + " %.3g%n",
          layer, worstState, worstScore);
    }
  }
}
