package io.tunecard.evaluate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.tunecard.model.*;
import io.tunecard.model.lora.*;
import java.util.*;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("bench")
class ProfileScratchBench {
  @Test
  void profile() {
    MistralConfig c = GenerationBench.quickstart();
    try (NDManager root = NDManager.newBaseManager();
        BaseWeights w = BaseWeights.random(c, 1, root);
        LoraAdapter lora =
            LoraAdapter.create(
                c, new LoraConfig(16, 32, 0.05, EnumSet.allOf(Projection.class)), 2, root)) {
      for (LoraAdapter a : new LoraAdapter[] {null, lora, null, lora}) {
        MistralModel model = new MistralModel(w, a);
        for (int rows : new int[] {16, 64}) {
          long[][] ids = new long[rows][30];
          for (long[] r : ids) Arrays.fill(r, 7);
          double best = 1e9, bestCopy = 1e9;
          try (NDManager m = root.newSubManager();
              KvCache cache = model.newCache(m, rows, 30 + 60)) {
            NDArray l = model.prefill(m, cache, TokenBatch.of(ids));
            l.close();
            long[] next = new long[rows];
            Arrays.fill(next, 9);
            for (int s = 0; s < 50; s++) {
              long t0 = System.nanoTime();
              NDArray lg = model.decode(m, cache, next);
              long t1 = System.nanoTime();
              float[] f = lg.toFloatArray();
              lg.close();
              long t2 = System.nanoTime();
              best = Math.min(best, (t1 - t0) / 1e6);
              bestCopy = Math.min(bestCopy, (t2 - t1) / 1e6);
            }
          }
          System.out.printf(
              "lora=%s rows=%d decode best %.2f ms, toFloatArray %.2f ms%n",
              a != null, rows, best, bestCopy);
        }
      }
    }
  }
}
