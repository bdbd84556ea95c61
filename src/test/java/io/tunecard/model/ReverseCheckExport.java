package io.tunecard.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.tunecard.model.lora.LoraAdapter;
import io.tunecard.model.lora.LoraConfig;
import io.tunecard.model.lora.LoraMerge;
import io.tunecard.model.lora.PeftFormat;
import io.tunecard.model.safetensors.Dtype;
import io.tunecard.model.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Writes what tunecard produces for transformers + PEFT to check on the GPU machine
 * (scripts/fixtures/check_peft_loads.py): an adapter saved by {@link PeftFormat} with deterministic
 * random A and B over the tiny fixture base, the merged model, a scratch base with tied embeddings,
 * and our logits for the fixture batch with each of them.
 *
 * <pre>
 * java -cp ... io.tunecard.model.ReverseCheckExport OUT_DIR
 * </pre>
 */
public final class ReverseCheckExport {
  private ReverseCheckExport() {}

  public static void main(String[] args) throws IOException {
    export(Path.of(args[0]));
  }

  /** Writes adapter/, merged/, scratch-base/ and ours.safetensors into {@code out}. */
  public static void export(Path out) throws IOException {
    Files.createDirectories(out);
    TokenBatch batch = Fixtures.trainingBatch();
    try (NDManager root = NDManager.newBaseManager();
        BaseWeights base =
            BaseWeights.load(Fixtures.path("tiny-mistral"), LoadOptions.fp32(), root)) {
      LoraConfig lc =
          new LoraConfig(
              8,
              16,
              0.05,
              EnumSet.of(
                  Projection.Q_PROJ,
                  Projection.V_PROJ,
                  Projection.O_PROJ,
                  Projection.DOWN_PROJ,
                  Projection.UP_PROJ),
              false,
              "tiny-mistral");
      SafetensorsWriter ours = new SafetensorsWriter();
      try (LoraAdapter adapter = LoraAdapter.create(base.config(), lc, 7, root)) {
        randomizeB(adapter, 8);
        PeftFormat.save(adapter, out.resolve("adapter"));
        MistralModel model = new MistralModel(base, adapter);
        ours.add("logits_adapter", model.logits(root, batch));
        LoraMerge.writeMerged(
            Fixtures.path("tiny-mistral"), adapter, out.resolve("merged"), Dtype.F32, 1L << 30);
      }
      try (BaseWeights merged = BaseWeights.load(out.resolve("merged"), LoadOptions.fp32(), root)) {
        ours.add("logits_merged", new MistralModel(merged, null).logits(root, batch));
      }
      MistralConfig scratch =
          new MistralConfig(
              "mistral", 300, 48, 80, 1, 4, 1, 12, 1e-6, 1e6, 64, true, 1, List.of(2), 0, null);
      try (BaseWeights w = BaseWeights.random(scratch, 11, root)) {
        w.save(out.resolve("scratch-base"));
      }
      try (BaseWeights w =
          BaseWeights.load(out.resolve("scratch-base"), LoadOptions.fp32(), root)) {
        ours.add("logits_scratch", new MistralModel(w, null).logits(root, batch));
      }
      ours.write(out.resolve("ours.safetensors"));
    }
  }

  /** PEFT starts B at zero; a check of the format needs B ≠ 0, drawn deterministically. */
  static void randomizeB(LoraAdapter adapter, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    for (Parameter p : adapter.parameters()) {
      if (p.name().contains("lora_B")) {
        float[] v = new float[(int) p.value().size()];
        for (int i = 0; i < v.length; i++) {
          v[i] = (float) (rng.nextGaussian() * 0.1);
        }
        try (NDManager m = NDManager.newBaseManager();
            NDArray src = NativeArrays.of(m, v, new Shape(p.value().getShape().getShape()))) {
          p.value().set(src.toByteBuffer());
        }
      }
    }
  }
}
