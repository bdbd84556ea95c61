package io.tunecard.model.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.tunecard.model.HfKeys;
import io.tunecard.model.MistralConfig;
import io.tunecard.model.NativeArrays;
import io.tunecard.model.Parameter;
import io.tunecard.model.Projection;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The LoRA matrices of one adapter, trainable, in one native memory scope. Created as PEFT does (A
 * Kaiming-uniform with a = sqrt(5), i.e. uniform in ±1/sqrt(in_features); B zeros), or loaded from
 * a PEFT directory ({@link PeftFormat}).
 */
public final class LoraAdapter implements AutoCloseable {
  /** The two matrices on one projection: A (r x in), B (out x r). */
  public record Pair(NDArray a, NDArray b) {}

  private final MistralConfig model;
  private final LoraConfig config;
  private final NDManager manager;
  private final List<Map<Projection, Pair>> layers;

  LoraAdapter(
      MistralConfig model,
      LoraConfig config,
      NDManager manager,
      List<Map<Projection, Pair>> layers) {
    this.model = model;
    this.config = config;
    this.manager = manager;
    this.layers = layers;
    parameters().forEach(p -> p.value().setRequiresGradient(true));
  }

  /**
   * A fresh adapter: A drawn from U(-1/sqrt(in), 1/sqrt(in)) by a seeded Java generator (the same
   * distribution as PEFT's init; PEFT's torch generator cannot be reproduced bit for bit), B zeros,
   * so the adapted model starts equal to the base.
   */
  public static LoraAdapter create(
      MistralConfig model, LoraConfig config, long seed, NDManager parent) {
    NDManager m = parent.newSubManager();
    List<Map<Projection, Pair>> layers = new ArrayList<>();
    for (int i = 0; i < model.numHiddenLayers(); i++) {
      Map<Projection, Pair> pairs = new EnumMap<>(Projection.class);
      for (Projection p : Projection.values()) {
        if (!config.targets().contains(p)) {
          continue;
        }
        int in = p.inFeatures(model);
        int out = p.outFeatures(model);
        SplittableRandom rng =
            new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (i * 8L + p.ordinal() + 1)));
        double bound = 1.0 / Math.sqrt(in);
        float[] a = new float[config.r() * in];
        for (int k = 0; k < a.length; k++) {
          a[k] = (float) rng.nextDouble(-bound, bound);
        }
        pairs.put(
            p,
            new Pair(
                NativeArrays.of(m, a, new Shape(config.r(), in)),
                m.zeros(new Shape(out, config.r()))));
      }
      layers.add(pairs);
    }
    return new LoraAdapter(model, config, m, layers);
  }

  public LoraConfig config() {
    return config;
  }

  public MistralConfig model() {
    return model;
  }

  public double scaling() {
    return config.scaling();
  }

  /** The adapter on a projection, or null when it has none. */
  public Pair pair(int layer, Projection p) {
    return layers.get(layer).get(p);
  }

  /** All A and B matrices by PEFT key, in a fixed order (layer, projection, A before B). */
  public List<Parameter> parameters() {
    List<Parameter> out = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      for (Map.Entry<Projection, Pair> e : layers.get(i).entrySet()) {
        out.add(new Parameter(HfKeys.loraA(i, e.getKey()), e.getValue().a()));
        out.add(new Parameter(HfKeys.loraB(i, e.getKey()), e.getValue().b()));
      }
    }
    return out;
  }

  /** Number of trainable values. */
  public long size() {
    return parameters().stream().mapToLong(p -> p.value().size()).sum();
  }

  /** Clears the accumulated gradients (call after each optimizer step). */
  public void zeroGradients() {
    for (Parameter p : parameters()) {
      JniUtils.zeroGrad((PtNDArray) p.value());
    }
  }

  NDManager manager() {
    return manager;
  }

  @Override
  public void close() {
    manager.close();
  }
}
