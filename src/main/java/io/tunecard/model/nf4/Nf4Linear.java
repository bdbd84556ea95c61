package io.tunecard.model.nf4;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Linear;
import io.tunecard.model.FrozenLinear;
import io.tunecard.model.NativeArrays;

/**
 * A frozen projection stored in NF4 (4.5 bits per weight: 4-bit codes plus one fp32 absmax per 64
 * values) and dequantized for each use. In training the dequantized weight enters the graph as a
 * constant, so the LoRA gradient flows through it while no gradient is kept for it.
 */
public final class Nf4Linear implements FrozenLinear {
  private final int out;
  private final int in;
  private final DataType computeType;
  private final NDArray packed; // (out * in / 2) uint8, two codes per byte
  private final NDArray absmax; // (out * in / 64, 1) fp32
  private final NDArray pairs; // (256, 2) fp32: byte → (code[high], code[low])
  private final Nf4.Stats stats;

  public Nf4Linear(
      NDManager manager, Nf4.Quantized q, int out, int in, DataType computeType, NDArray pairs) {
    if ((long) out * in != q.numel()) {
      throw new IllegalArgumentException(out + "x" + in + " != " + q.numel() + " quantized values");
    }
    this.out = out;
    this.in = in;
    this.computeType = computeType;
    this.packed = NativeArrays.of(manager, q.packed(), new Shape(q.packed().length));
    this.absmax = NativeArrays.of(manager, q.absmax(), new Shape(q.absmax().length, 1));
    this.pairs = pairs;
    this.stats = q.stats();
  }

  /** The shared byte → code-pair table, created once per model in {@code manager}. */
  public static NDArray pairTable(NDManager manager) {
    return NativeArrays.of(manager, Nf4.pairTable(), new Shape(256, 2));
  }

  public Nf4.Stats stats() {
    return stats;
  }

  @Override
  public int inFeatures() {
    return in;
  }

  @Override
  public int outFeatures() {
    return out;
  }

  @Override
  public NDArray apply(NDArray x) {
    // The dequantized weight is freed as soon as the product is formed (autograd keeps what it
    // needs), so only one layer's weights are ever expanded at a time.
    try (NDArray w = dequantize(x.getManager())) {
      return Linear.linear(x, w).singletonOrThrow();
    }
  }

  @Override
  public NDArray dequantize(NDManager manager) {
    try (NDArray idx = packed.toType(DataType.INT32, false)) {
      idx.attach(manager);
      try (NDArray values =
              idx.getNDArrayInternal()
                  .embedding(idx, pairs, SparseFormat.DENSE)
                  .singletonOrThrow();
          NDArray blocks = values.reshape(-1, Nf4.BLOCK)) {
        NDArray w; // (out, in) fp32
        try (NDArray scaled = blocks.mul(absmax)) { // (blocks, 64)
          w = scaled.reshape(out, in);
        }
        if (computeType != DataType.FLOAT32) {
          try (w) {
            return w.toType(computeType, false);
          }
        }
        return w;
      }
    }
  }

  @Override
  public long storageBytes() {
    return packed.size() + absmax.size() * 4;
  }

  @Override
  public void close() {
    packed.close();
    absmax.close();
  }
}
