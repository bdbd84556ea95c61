package io.tunecard.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import io.tunecard.model.lora.LoraAdapter;
import io.tunecard.model.lora.PeftFormat;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Saving and restoring the optimizer (with the adapter) continues a run exactly. */
class AdamWTest {
  private static final AdamW.Hyper HYPER = new AdamW.Hyper(0.9, 0.999, 1e-8, 0.1);

  @Test
  void resumeFromSavedStateEqualsAnUninterruptedRun(@TempDir Path dir) throws Exception {
    TokenBatch batch = Fixtures.trainingBatch();
    try (NDManager root = NDManager.newBaseManager();
        BaseWeights w = BaseWeights.load(Fixtures.path("tiny-mistral"), LoadOptions.fp32(), root)) {
      float[] straight;
      try (LoraAdapter a = PeftFormat.load(Fixtures.path("lora-adapter"), w.config(), root);
          AdamW opt = new AdamW(a.parameters(), HYPER, root)) {
        MistralModel model = new MistralModel(w, a);
        for (int s = 0; s < 4; s++) {
          step(model, a, opt, batch, root);
          if (s == 1) {
            PeftFormat.save(a, dir.resolve("ckpt"));
            opt.save(dir.resolve("ckpt/optimizer.safetensors"));
          }
        }
        straight = a.parameters().get(5).value().toFloatArray();
      }
      try (LoraAdapter a = PeftFormat.load(dir.resolve("ckpt"), w.config(), root);
          AdamW opt = new AdamW(a.parameters(), HYPER, root)) {
        opt.load(dir.resolve("ckpt/optimizer.safetensors"));
        assertThat(opt.steps()).isEqualTo(2);
        MistralModel model = new MistralModel(w, a);
        for (int s = 2; s < 4; s++) {
          step(model, a, opt, batch, root);
        }
        assertThat(a.parameters().get(5).value().toFloatArray()).containsExactly(straight);
      }
    }
  }

  @Test
  void clippingScalesGradientsToTheMaximumNorm() {
    try (NDManager root = NDManager.newBaseManager();
        BaseWeights w = BaseWeights.load(Fixtures.path("tiny-mistral"), LoadOptions.fp32(), root);
        LoraAdapter a = PeftFormat.load(Fixtures.path("lora-adapter"), w.config(), root);
        AdamW opt = new AdamW(a.parameters(), HYPER, root)) {
      new MistralModel(w, a).trainStep(root, Fixtures.trainingBatch(), StepOptions.of(0));
      double before = opt.clipGradNorm(0.01);
      assertThat(before).isGreaterThan(0.01);
      assertThat(opt.gradNorm()).isCloseTo(0.01, org.assertj.core.data.Offset.offset(1e-6));
    }
  }

  @Test
  void stateForOtherParametersIsRefused(@TempDir Path dir) throws Exception {
    try (NDManager root = NDManager.newBaseManager();
        BaseWeights w = BaseWeights.load(Fixtures.path("tiny-mistral"), LoadOptions.fp32(), root);
        LoraAdapter a = PeftFormat.load(Fixtures.path("lora-adapter"), w.config(), root);
        AdamW opt = new AdamW(a.parameters(), HYPER, root);
        AdamW other = new AdamW(a.parameters().subList(0, 2), HYPER, root)) {
      other.save(dir.resolve("opt.safetensors"));
      assertThatThrownBy(() -> opt.load(dir.resolve("opt.safetensors")))
          .hasMessageContaining("opt.safetensors")
          .hasMessageContaining("missing");
    }
  }

  private static void step(
      MistralModel model, LoraAdapter a, AdamW opt, TokenBatch batch, NDManager root) {
    a.zeroGradients();
    try (NDManager m = root.newSubManager()) {
      model.trainStep(m, batch, StepOptions.of(opt.steps()));
      opt.clipGradNorm(1.0);
      opt.step(1e-2);
    }
  }
}
