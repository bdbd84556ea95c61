package io.tunecard.model;

/**
 * How one training step runs.
 *
 * @param dropoutSeed seeds the LoRA dropout masks of this step (derive it from the global step, so
 *     a resumed run draws the same masks)
 * @param checkpointLayers recompute each layer during the backward pass instead of keeping its
 *     graph: one extra forward, but only one layer's (dequantized) weights and activations alive at
 *     a time — needed for NF4 at 7B scale
 * @param gradScale gradients are those of {@code gradScale * mean loss}; with gradient accumulation
 *     pass {@code tokens in this micro-batch / tokens in the accumulated batch} for a
 *     token-weighted mean, or {@code 1 / accumulation steps} for a mean of means
 */
public record StepOptions(long dropoutSeed, boolean checkpointLayers, double gradScale) {
  public StepOptions {
    if (!(gradScale > 0) || Double.isInfinite(gradScale)) {
      throw new IllegalArgumentException(
          "gradScale: expected a positive finite number, found " + gradScale);
    }
  }

  public static StepOptions of(long dropoutSeed) {
    return new StepOptions(dropoutSeed, false, 1.0);
  }
}
