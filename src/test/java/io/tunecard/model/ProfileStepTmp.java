package io.tunecard.model;

import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import io.tunecard.model.lora.LoraAdapter;
import io.tunecard.model.lora.LoraConfig;
import java.util.EnumSet;
import java.util.SplittableRandom;

public class ProfileStepTmp {
  public static void main(String[] a) {
    MistralConfig c =
        new MistralConfig(
            "mistral",
            4096,
            256,
            768,
            4,
            4,
            2,
            64,
            1e-5,
            1e6,
            512,
            false,
            1,
            java.util.List.of(2),
            0,
            null);
    try (NDManager root = NDManager.newBaseManager();
        BaseWeights w = BaseWeights.random(c, 1, root);
        LoraAdapter lora =
            LoraAdapter.create(
                c, new LoraConfig(16, 32, 0.05, EnumSet.allOf(Projection.class)), 2, root)) {
      MistralModel model = new MistralModel(w, lora);
      SplittableRandom rng = new SplittableRandom(3);
      long[][] ids = new long[8][256];
      int[][] mask = new int[8][256];
      long[][] labels = new long[8][256];
      for (int b = 0; b < 8; b++)
        for (int t = 0; t < 256; t++) {
          ids[b][t] = rng.nextInt(3, 4096);
          mask[b][t] = 1;
          labels[b][t] = t < 64 ? -100 : ids[b][t];
        }
      TokenBatch batch = new TokenBatch(ids, mask, labels);
      for (int s = 0; s < 3; s++) {
        lora.zeroGradients();
        try (NDManager m = root.newSubManager()) {
          model.trainStep(m, batch, StepOptions.of(s));
        }
      }
      JniUtils.startProfile(false, false, false);
      for (int s = 0; s < 3; s++) {
        lora.zeroGradients();
        try (NDManager m = root.newSubManager()) {
          model.trainStep(m, batch, StepOptions.of(s));
        }
      }
      JniUtils.stopProfile("/tmp/prof/trace.json");
      long t0 = System.nanoTime();
      for (int s = 0; s < 3; s++) {
        try (NDManager m = root.newSubManager()) {
          model.loss(m, batch);
        }
      }
      System.out.println("forward only (eval): " + (System.nanoTime() - t0) / 3e9);
    }
  }
}
