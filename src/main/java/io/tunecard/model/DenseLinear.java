package io.tunecard.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.core.Linear;

/** A projection held as a plain weight matrix (fp32, or fp16 on a GPU). */
public final class DenseLinear implements FrozenLinear {
  private final NDArray weight; // (out, in)

  public DenseLinear(NDArray weight) {
    if (weight.getShape().dimension() != 2) {
      throw new IllegalArgumentException("a linear weight is 2-D, found " + weight.getShape());
    }
    this.weight = weight;
  }

  /** The weight itself (not a copy): trainable when the whole base model is trained. */
  public NDArray weight() {
    return weight;
  }

  @Override
  public int inFeatures() {
    return (int) weight.getShape().get(1);
  }

  @Override
  public int outFeatures() {
    return (int) weight.getShape().get(0);
  }

  @Override
  public NDArray apply(NDArray x) {
    return Linear.linear(x, weight).singletonOrThrow();
  }

  @Override
  public NDArray dequantize(NDManager manager) {
    NDArray copy = weight.duplicate();
    copy.attach(manager);
    return copy;
  }

  @Override
  public long storageBytes() {
    return weight.size() * weight.getDataType().getNumOfBytes();
  }

  @Override
  public void close() {
    weight.close();
  }
}
