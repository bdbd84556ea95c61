package io.tunecard.model.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.tunecard.files.AtomicFiles;
import io.tunecard.model.BaseWeights;
import io.tunecard.model.DenseLinear;
import io.tunecard.model.HfKeys;
import io.tunecard.model.MistralConfig;
import io.tunecard.model.Projection;
import io.tunecard.model.safetensors.Checkpoint;
import io.tunecard.model.safetensors.Dtype;
import io.tunecard.model.safetensors.SafetensorsWriter;
import io.tunecard.model.safetensors.TensorInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Folds an adapter into base weights, {@code W' = W + scaling · B A} as PEFT's {@code
 * merge_and_unload} does, for export as a plain Hugging Face model.
 */
public final class LoraMerge {
  /** Files of a model directory that travel unchanged with the merged weights. */
  private static final List<String> COPIED =
      List.of(
          "generation_config.json",
          "tokenizer.json",
          "tokenizer_config.json",
          "special_tokens_map.json",
          "tokenizer.model");

  private LoraMerge() {}

  /** {@code scaling · B A}, (out, in) fp32, in {@code manager}. */
  public static NDArray delta(LoraAdapter adapter, int layer, Projection p, NDManager manager) {
    LoraAdapter.Pair pair = adapter.pair(layer, p);
    NDArray b = pair.b().duplicate();
    b.attach(manager);
    try (b) {
      try (NDArray ba = b.matMul(pair.a())) {
        return ba.mul(adapter.scaling());
      }
    }
  }

  /** Adds the adapter into dense in-memory weights (the adapter should then be dropped). */
  public static void mergeInto(BaseWeights weights, LoraAdapter adapter) {
    try (NDManager m = NDManager.newBaseManager()) {
      for (int i = 0; i < weights.config().numHiddenLayers(); i++) {
        for (Projection p : adapter.config().targets()) {
          if (adapter.pair(i, p) == null) {
            continue;
          }
          if (!(weights.layer(i).linear(p) instanceof DenseLinear d)) {
            throw new IllegalStateException(
                HfKeys.weight(i, p) + " is quantized; merge from the checkpoint with writeMerged");
          }
          try (NDArray delta = delta(adapter, i, p, m)) {
            d.weight().addi(delta);
          }
        }
      }
    }
  }

  /**
   * Writes {@code base + adapter} as a Hugging Face model directory at {@code target}: the base
   * checkpoint is streamed tensor by tensor (any dtype), adapted projections get {@code scaling · B
   * A} added in fp32, everything is stored as {@code dtype}, sharded above {@code maxShardBytes}.
   * The directory appears whole (filled under a temporary name, then renamed).
   */
  public static void writeMerged(
      Path baseDir, LoraAdapter adapter, Path target, Dtype dtype, long maxShardBytes)
      throws IOException {
    MistralConfig config = MistralConfig.read(baseDir);
    if (!config.equals(adapter.model())) {
      throw new IllegalArgumentException(
          baseDir + ": the adapter was made for another model shape");
    }
    Path staging = AtomicFiles.stagingDirectory(target);
    try (Checkpoint ck = Checkpoint.open(baseDir)) {
      ck.requireExactly(HfKeys.baseModel(config));
      SafetensorsWriter w = new SafetensorsWriter();
      for (String name : HfKeys.baseModel(config)) {
        TensorInfo info = ck.info(name);
        HfProjection hp = HfProjection.of(config, name);
        boolean adapted = hp != null && adapter.pair(hp.layer(), hp.projection()) != null;
        w.add(
            name,
            dtype,
            info.shape(),
            out -> {
              float[] values = ck.floats(name);
              if (adapted) {
                try (NDManager m = NDManager.newBaseManager();
                    NDArray delta = delta(adapter, hp.layer(), hp.projection(), m)) {
                  float[] d = delta.toFloatArray();
                  for (int k = 0; k < values.length; k++) {
                    values[k] += d[k];
                  }
                }
              }
              SafetensorsWriter.writeFloats(out, values, dtype);
            });
      }
      w.writeSharded(staging, maxShardBytes);
      config.write(staging, torchName(dtype));
      for (String f : COPIED) {
        Path src = baseDir.resolve(f);
        if (Files.isRegularFile(src)) {
          Files.copy(src, staging.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
      }
      AtomicFiles.publish(staging, target);
    } catch (IOException | RuntimeException e) {
      AtomicFiles.deleteTree(staging);
      throw e;
    }
  }

  static String torchName(Dtype dtype) {
    return switch (dtype) {
      case F32 -> "float32";
      case F16 -> "float16";
      case BF16 -> "bfloat16";
      default -> throw new IllegalArgumentException("not a weight dtype: " + dtype);
    };
  }

  /** The (layer, projection) a base tensor name belongs to, if it is a projection weight. */
  private record HfProjection(int layer, Projection projection) {
    static HfProjection of(MistralConfig c, String name) {
      for (int i = 0; i < c.numHiddenLayers(); i++) {
        for (Projection p : Projection.values()) {
          if (HfKeys.weight(i, p).equals(name)) {
            return new HfProjection(i, p);
          }
        }
      }
      return null;
    }
  }
}
