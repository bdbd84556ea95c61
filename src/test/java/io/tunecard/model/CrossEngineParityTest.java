package io.tunecard.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.model.lora.LoraAdapter;
import io.tunecard.model.lora.PeftFormat;
import io.tunecard.model.safetensors.SafetensorsFile;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Adapters trained by the two engines load in the other engine's model with equal logits. The
 * fixtures come from {@code io.tunecard.train.CrossEngineExport} (a tiny run: base pre-trained and
 * LoRA trained 8 steps by the djl engine) and {@code scripts/crosscheck/cross_engine.py} on the GPU
 * machine (the hf engine trained on the same run, on the GPU; then transformers + PEFT computed
 * fp32 logits of the base with each adapter): {@code cross-engine/result.json} records versions and
 * the GPU.
 */
class CrossEngineParityTest {
  private static final Path DIR = Fixtures.path("cross-engine");

  @Test
  void theBaseAloneMatchesTransformers() {
    assertSameLogits(null, "logits_base");
  }

  @Test
  void anAdapterTrainedByTheHfEngineGivesPeftsLogitsOnTheJvm() {
    assertSameLogits("hf-adapter", "logits_hf");
  }

  @Test
  void anAdapterTrainedByTheDjlEngineGivesTheJvmsLogitsInPeft() {
    assertSameLogits("djl-adapter", "logits_djl");
  }

  @Test
  void theTwoEnginesTrainedTheSameRunToCloseLosses() {
    JsonNode r = Fixtures.json("cross-engine/result.json");
    assertThat(r.at("/hf_done/final_step").asLong()).isEqualTo(8);
    assertThat(r.at("/djl_done/final_step").asLong()).isEqualTo(8);
    // Same data, schedule and seed; bf16 autocast on the GPU against fp32 on the CPU, and each
    // engine draws its own dropout masks and initial A matrices: close, not equal.
    double hf = r.at("/hf_done/final_loss").asDouble();
    double djl = r.at("/djl_done/final_loss").asDouble();
    System.out.printf("final training loss: hf %.6f, djl %.6f%n", hf, djl);
    assertThat(Math.abs(hf - djl) / djl).isLessThan(0.01);
  }

  private static void assertSameLogits(String adapterDir, String reference) {
    JsonNode b = Fixtures.json("cross-engine/batch.json");
    TokenBatch batch =
        new TokenBatch(
            Fixtures.longs(b.get("input_ids")), Fixtures.ints(b.get("attention_mask")), null);
    try (NDManager root = NDManager.newBaseManager();
        BaseWeights base = BaseWeights.load(DIR.resolve("base"), LoadOptions.fp32(), root)) {
      LoraAdapter adapter =
          adapterDir == null ? null : PeftFormat.load(DIR.resolve(adapterDir), base.config(), root);
      try (NDManager m = root.newSubManager()) {
        NDArray logits = new MistralModel(base, adapter).logits(m, batch);
        float[] expected;
        try (SafetensorsFile f = SafetensorsFile.open(DIR.resolve("peft-logits.safetensors"))) {
          expected = f.floats(reference);
        }
        double diff =
            Fixtures.maxAbsDiffOnTokens(
                logits.toFloatArray(), expected, batch.attentionMask(), base.config().vocabSize());
        System.out.printf("%s: max |diff| %.3g over real tokens%n", reference, diff);
        assertThat(diff).isLessThanOrEqualTo(1e-4);
      } finally {
        if (adapter != null) {
          adapter.close();
        }
      }
    }
  }
}
