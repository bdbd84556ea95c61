package io.tunecard.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.tunecard.model.lora.LoraAdapter;
import io.tunecard.model.lora.PeftFormat;
import io.tunecard.model.nf4.Nf4Linear;
import org.junit.jupiter.api.Test;

/** The fixture model with an NF4 base: loads, reports memory and error, trains LoRA. */
class Nf4ModelTest {
  @Test
  void quantizedBaseTrainsTheAdapterWithOrWithoutCheckpointing() {
    TokenBatch batch = Fixtures.trainingBatch();
    try (NDManager root = NDManager.newBaseManager();
        BaseWeights w =
            BaseWeights.load(Fixtures.path("tiny-mistral"), LoadOptions.nf4All(), root);
        LoraAdapter adapter = PeftFormat.load(Fixtures.path("lora-adapter"), w.config(), root)) {
      assertThat(w.layer(0).linear(Projection.Q_PROJ)).isInstanceOf(Nf4Linear.class);
      assertThat(w.quantizationReport().rows()).hasSize(14);
      System.out.print(w.quantizationReport().table());
      MistralModel model = new MistralModel(w, adapter);
      double loss = model.loss(root, batch).mean();
      double ref = Fixtures.batch().get("loss_lora").asDouble();
      System.out.printf("NF4 base: LoRA loss %.5f vs fp32 base %.5f%n", loss, ref);
      assertThat(Math.abs(loss - ref)).isLessThan(0.5).isGreaterThan(1e-6);
      float[][] grads = new float[2][];
      for (int k = 0; k < 2; k++) {
        adapter.zeroGradients();
        model.trainStep(root, batch, new StepOptions(0, k == 1, 1.0));
        try (NDArray g = adapter.parameters().get(1).value().getGradient()) {
          grads[k] = g.toFloatArray();
        }
      }
      assertThat(Fixtures.maxAbs(grads[0])).isPositive();
      assertThat(Fixtures.maxAbsDiff(grads[0], grads[1]))
          .isLessThanOrEqualTo(1e-6 + 1e-5 * Fixtures.maxAbs(grads[0]));
      assertThat(w.layer(0).linear(Projection.Q_PROJ).storageBytes())
          .isEqualTo(96L * 64 / 2 + 96L * 64 / 64 * 4);
    }
  }
}
