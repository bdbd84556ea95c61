package io.tunecard.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.tunecard.model.lora.LoraAdapter;
import io.tunecard.model.lora.LoraConfig;
import io.tunecard.model.lora.PeftFormat;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

/** LoRA dropout: inverted-dropout masks, seeded, identical when a layer is recomputed. */
class DropoutTest {
  @Test
  void masksDropAboutPAndScaleTheRest() {
    try (NDManager m = NDManager.newBaseManager()) {
      float[] mask =
          DropoutMask.create(m, new Shape(1000, 200), 0.1, 5, DataType.FLOAT32).toFloatArray();
      int zeros = 0;
      for (float v : mask) {
        assertThat(v == 0f || v == (float) (1 / 0.9)).isTrue();
        zeros += v == 0f ? 1 : 0;
      }
      assertThat(zeros / 200000.0).isBetween(0.095, 0.105);
      assertThat(
              DropoutMask.create(m, new Shape(1000, 200), 0.1, 5, DataType.FLOAT32).toFloatArray())
          .containsExactly(mask);
      assertThat(
              DropoutMask.create(m, new Shape(1000, 200), 0.1, 6, DataType.FLOAT32).toFloatArray())
          .isNotEqualTo(mask);
    }
  }

  @Test
  void dropoutChangesTrainingOnlyAndRepeatsPerSeed() {
    TokenBatch batch = Fixtures.trainingBatch();
    try (NDManager root = NDManager.newBaseManager();
        BaseWeights w = BaseWeights.load(Fixtures.path("tiny-mistral"), LoadOptions.fp32(), root);
        LoraAdapter peft = PeftFormat.load(Fixtures.path("lora-adapter"), w.config(), root);
        LoraAdapter a =
            LoraAdapter.create(
                w.config(), new LoraConfig(4, 8, 0.3, EnumSet.allOf(Projection.class)), 1, root)) {
      ReverseCheckExport.randomizeB(a, 3);
      MistralModel model = new MistralModel(w, a);
      double eval = model.loss(root, batch).mean();
      double[] losses = new double[3];
      float[][] grads = new float[3][];
      StepOptions[] options = {
        new StepOptions(7, false, 1), new StepOptions(7, true, 1), new StepOptions(8, false, 1)
      };
      for (int k = 0; k < 3; k++) {
        a.zeroGradients();
        losses[k] = model.trainStep(root, batch, options[k]).mean();
        try (NDArray g = a.parameters().get(0).value().getGradient()) {
          grads[k] = g.toFloatArray();
        }
      }
      assertThat(losses[0]).isNotEqualTo(eval); // dropout is on in training
      assertThat(model.loss(root, batch).mean()).isEqualTo(eval); // and off in evaluation
      assertThat(losses[1]).isCloseTo(losses[0], org.assertj.core.data.Offset.offset(1e-6));
      assertThat(Fixtures.maxAbsDiff(grads[0], grads[1]))
          .isLessThanOrEqualTo(1e-5 * Fixtures.maxAbs(grads[0]));
      assertThat(losses[2]).isNotEqualTo(losses[0]);
      assertThat(peft.config().dropout()).isZero();
    }
  }
}
