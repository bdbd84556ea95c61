package io.tunecard.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/** A base-model projection {@code y = x W^T} whose weight W (out x in) is not trained. */
public interface FrozenLinear extends AutoCloseable {
  int inFeatures();

  int outFeatures();

  /** (..., in) → (..., out); the result and temporaries belong to {@code x}'s manager. */
  NDArray apply(NDArray x);

  /** W (out x in) in the compute type, as a new array in {@code manager}. */
  NDArray dequantize(NDManager manager);

  /** Bytes this weight occupies in memory. */
  long storageBytes();

  @Override
  void close();
}
