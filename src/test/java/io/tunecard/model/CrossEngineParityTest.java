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
 *
 * <p>{@code cross-engine/nf4/} is the same check on an NF4 base ({@code CrossEngineExport --nf4},
 * then {@code cross_engine.py --nf4}, on the CPU): each engine quantized the same base itself,
 * trained on it, and the worker computed the logits of its NF4 base with each adapter unmerged.
 */
class CrossEngineParityTest {
  private static final Path DIR = Fixtures.path("cross-engine");
  private static final Path NF4 = DIR.resolve("nf4");

  @Test
  void theBaseAloneMatchesTransformers() {
    assertSameLogits(DIR, LoadOptions.fp32(), null, "logits_base");
  }

  @Test
  void anAdapterTrainedByTheHfEngineGivesPeftsLogitsOnTheJvm() {
    assertSameLogits(DIR, LoadOptions.fp32(), "hf-adapter", "logits_hf");
  }

  @Test
  void anAdapterTrainedByTheDjlEngineGivesTheJvmsLogitsInPeft() {
    assertSameLogits(DIR, LoadOptions.fp32(), "djl-adapter", "logits_djl");
  }

  @Test
  void theNf4BaseAloneMatchesTheWorkersNf4Base() {
    assertSameLogits(NF4, LoadOptions.nf4All(), null, "logits_base");
  }

  @Test
  void anAdapterTrainedOnNf4ByTheHfEngineGivesTheWorkersLogitsOnTheJvm() {
    assertSameLogits(NF4, LoadOptions.nf4All(), "hf-adapter", "logits_hf");
  }

  @Test
  void anAdapterTrainedOnNf4ByTheDjlEngineGivesTheJvmsLogitsInTheWorker() {
    assertSameLogits(NF4, LoadOptions.nf4All(), "djl-adapter", "logits_djl");
  }

  @Test
  void theNf4BaseIsNotTheDenseBase() {
    // the NF4 fixtures would prove nothing if quantizing changed nothing
    try (SafetensorsFile dense = SafetensorsFile.open(DIR.resolve("peft-logits.safetensors"));
        SafetensorsFile nf4 = SafetensorsFile.open(NF4.resolve("peft-logits.safetensors"))) {
      assertThat(Fixtures.maxAbsDiff(dense.floats("logits_base"), nf4.floats("logits_base")))
          .isGreaterThan(1e-2);
    }
  }

  @Test
  void theTwoEnginesTrainedTheSameNf4RunToCloseLosses() {
    JsonNode r = Fixtures.json("cross-engine/nf4/result.json");
    assertThat(r.at("/quantization").asText()).isEqualTo("nf4");
    assertThat(r.at("/hf_done/final_step").asLong()).isEqualTo(8);
    assertThat(r.at("/djl_done/final_step").asLong()).isEqualTo(8);
    double hf = r.at("/hf_done/final_loss").asDouble();
    double djl = r.at("/djl_done/final_loss").asDouble();
    System.out.printf("NF4 base, final training loss: hf %.6f, djl %.6f%n", hf, djl);
    assertThat(Math.abs(hf - djl) / djl).isLessThan(0.01);
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

  /**
   * The JVM's logits of the fixture base (loaded with {@code options}) with {@code dir}'s adapter
   * against {@code reference} in {@code dir}'s peft-logits.safetensors.
   */
  private static void assertSameLogits(
      Path dir, LoadOptions options, String adapterDir, String reference) {
    JsonNode b = Fixtures.json("cross-engine/batch.json");
    TokenBatch batch =
        new TokenBatch(
            Fixtures.longs(b.get("input_ids")), Fixtures.ints(b.get("attention_mask")), null);
    try (NDManager root = NDManager.newBaseManager();
        BaseWeights base = BaseWeights.load(DIR.resolve("base"), options, root)) {
      LoraAdapter adapter =
          adapterDir == null ? null : PeftFormat.load(dir.resolve(adapterDir), base.config(), root);
      try (NDManager m = root.newSubManager()) {
        NDArray logits = new MistralModel(base, adapter).logits(m, batch);
        float[] expected;
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("peft-logits.safetensors"))) {
          expected = f.floats(reference);
        }
        double diff =
            Fixtures.maxAbsDiffOnTokens(
                logits.toFloatArray(), expected, batch.attentionMask(), base.config().vocabSize());
        System.out.printf(
            "%s%s: max |diff| %.3g over real tokens%n",
            dir.equals(NF4) ? "nf4 " : "", reference, diff);
        assertThat(diff).isLessThanOrEqualTo(1e-4);
      } finally {
        if (adapter != null) {
          adapter.close();
        }
      }
    }
  }
}
