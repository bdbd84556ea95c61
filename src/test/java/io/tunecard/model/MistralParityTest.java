package io.tunecard.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.model.safetensors.Checkpoint;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Our Mistral against transformers 5.17 on the tiny fixture model (fp32, eager attention). */
class MistralParityTest {
  private static NDManager root;
  private static BaseWeights weights;
  private static MistralModel model;

  @BeforeAll
  static void load() {
    root = NDManager.newBaseManager();
    weights = BaseWeights.load(Fixtures.path("tiny-mistral"), LoadOptions.fp32(), root);
    model = new MistralModel(weights, null);
  }

  @AfterAll
  static void close() {
    weights.close();
    root.close();
  }

  @Test
  void configReadsTheTransformers5Layout() {
    MistralConfig c = model.config();
    assertThat(c.headDim()).isEqualTo(24).isNotEqualTo(c.hiddenSize() / c.numAttentionHeads());
    assertThat(c.ropeTheta()).isEqualTo(10000.0);
    assertThat(c.numKeyValueHeads()).isEqualTo(2);
    assertThat(c.slidingWindow()).isNull();
    assertThat(c.eosTokenIds()).containsExactly(2);
    assertThat(c.padTokenId()).isEqualTo(0);
  }

  @Test
  void logitsAndLossMatchTransformers() {
    TokenBatch batch = Fixtures.trainingBatch();
    try (NDManager m = root.newSubManager()) {
      NDArray logits = model.logits(m, batch);
      double diff =
          Fixtures.maxAbsDiffOnTokens(
              logits.toFloatArray(), Fixtures.tensor("logits_base"), batch.attentionMask(), 256);
      System.out.printf("base logits max |diff| = %.3g%n", diff);
      assertThat(diff).isLessThanOrEqualTo(1e-4);
      LossValue loss = model.loss(m, batch);
      double ref = Fixtures.batch().get("loss_base").asDouble();
      System.out.printf(
          "base loss %.7f vs %.7f (|diff| %.3g)%n", loss.mean(), ref, Math.abs(loss.mean() - ref));
      assertThat(Math.abs(loss.mean() - ref)).isLessThanOrEqualTo(1e-5);
    }
  }

  @Test
  void leftPaddingUsesPositionsFromTheMask() {
    JsonNode b = Fixtures.batch();
    TokenBatch batch =
        new TokenBatch(
            Fixtures.longs(b.get("left_input_ids")),
            Fixtures.ints(b.get("left_attention_mask")),
            null);
    try (NDManager m = root.newSubManager()) {
      double diff =
          Fixtures.maxAbsDiffOnTokens(
              model.logits(m, batch).toFloatArray(),
              Fixtures.tensor("logits_left"),
              batch.attentionMask(),
              256);
      System.out.printf("left-padded logits max |diff| = %.3g%n", diff);
      assertThat(diff).isLessThanOrEqualTo(1e-4);
    }
  }

  @Test
  void bf16AndShardedF16CopiesLoad() {
    TokenBatch batch = Fixtures.trainingBatch();
    String[][] cases = {
      {"tiny-mistral-bf16", "logits_bf16"}, {"tiny-mistral-f16-sharded", "logits_f16_sharded"}
    };
    for (String[] c : cases) {
      try (NDManager m = root.newSubManager();
          BaseWeights w = BaseWeights.load(Fixtures.path(c[0]), LoadOptions.fp32(), m)) {
        double diff =
            Fixtures.maxAbsDiffOnTokens(
                new MistralModel(w, null).logits(m, batch).toFloatArray(),
                Fixtures.tensor(c[1]),
                batch.attentionMask(),
                256);
        System.out.printf("%s logits max |diff| = %.3g%n", c[0], diff);
        assertThat(diff).isLessThanOrEqualTo(1e-4);
      }
    }
  }

  @Test
  void slidingWindowMasksOldKeys() {
    TokenBatch batch = Fixtures.trainingBatch();
    MistralConfig windowed = model.config().withSlidingWindow(4);
    try (NDManager m = root.newSubManager();
        Checkpoint ck = Checkpoint.open(Fixtures.path("tiny-mistral"));
        BaseWeights w = BaseWeights.load(windowed, ck, LoadOptions.fp32(), m, s -> {})) {
      double diff =
          Fixtures.maxAbsDiffOnTokens(
              new MistralModel(w, null).logits(m, batch).toFloatArray(),
              Fixtures.tensor("logits_sliding4"),
              batch.attentionMask(),
              256);
      System.out.printf("sliding window 4 logits max |diff| = %.3g%n", diff);
      assertThat(diff).isLessThanOrEqualTo(1e-4);
    }
  }

  @Test
  void fullModelGradientsMatchTransformers() {
    JsonNode b = Fixtures.batch();
    for (boolean checkpoint : new boolean[] {false, true}) {
      try (NDManager m = root.newSubManager();
          BaseWeights w = BaseWeights.load(Fixtures.path("tiny-mistral"), LoadOptions.fp32(), m)) {
        w.setTrainable(true);
        LossValue loss =
            new MistralModel(w, null)
                .trainStep(m, Fixtures.trainingBatch(), new StepOptions(0, checkpoint, 1.0));
        assertThat(Math.abs(loss.mean() - b.get("full_loss").asDouble())).isLessThanOrEqualTo(1e-5);
        double worstNorm = 0;
        double worstTensor = 0;
        for (Parameter p : w.parameters()) {
          try (NDArray g = p.value().getGradient()) {
            double ref = b.get("full_grad_norms").get(p.name()).asDouble();
            worstNorm = Math.max(worstNorm, Math.abs(g.norm().getFloat() - ref) / ref);
            String key = "full_grad." + p.name();
            if (Fixtures.has(key)) {
              float[] t = Fixtures.tensor(key);
              worstTensor =
                  Math.max(
                      worstTensor, Fixtures.maxAbsDiff(g.toFloatArray(), t) / Fixtures.maxAbs(t));
            }
          }
        }
        System.out.printf(
            "full-model gradients (checkpointing %s): norms worst rel %.3g, tensors worst rel %.3g%n",
            checkpoint, worstNorm, worstTensor);
        assertThat(worstNorm).isLessThanOrEqualTo(1e-4);
        assertThat(worstTensor).isLessThanOrEqualTo(1e-4);
      }
    }
  }
}
