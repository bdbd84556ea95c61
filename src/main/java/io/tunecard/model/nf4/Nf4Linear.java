package io.tunecard.model.nf4;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import io.tunecard.model.FrozenLinear;
import io.tunecard.model.NativeArrays;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.stream.IntStream;

/**
 * A frozen projection stored in NF4 (4.5 bits per weight: 4-bit codes plus one fp32 absmax per 64
 * values) and dequantized for each use. In training the dequantized weight enters the graph as a
 * constant, so the LoRA gradient flows through it while no gradient is kept for it.
 *
 * <p>Dequantization is a table lookup written in Java straight into a fresh native tensor (through
 * a direct view of its memory): several times faster than libtorch's gather over 2-float rows, and
 * the tensor's lifetime stays with libtorch's reference counting, so autograd can hold it.
 */
public final class Nf4Linear implements FrozenLinear {
  private static final int BLOCKS_PER_TASK = 2048;
  private static final float[] PAIRS = Nf4.pairTable();

  private final int out;
  private final int in;
  private final DataType computeType;
  private final NDArray
      packed; // (out * in / 2) uint8, two codes per byte, first in the high nibble
  private final NDArray absmax; // (out * in / 64) fp32
  private final ByteBuffer packedView;
  private final FloatBuffer absmaxView;
  private final Nf4.Stats stats;

  public Nf4Linear(NDManager manager, Nf4.Quantized q, int out, int in, DataType computeType) {
    if ((long) out * in != q.numel()) {
      throw new IllegalArgumentException(out + "x" + in + " != " + q.numel() + " quantized values");
    }
    this.out = out;
    this.in = in;
    this.computeType = computeType;
    this.packed = NativeArrays.of(manager, q.packed(), new Shape(q.packed().length));
    this.absmax = NativeArrays.of(manager, q.absmax(), new Shape(q.absmax().length));
    this.packedView = packed.toByteBuffer(true);
    this.absmaxView = absmax.toByteBuffer(true).order(ByteOrder.nativeOrder()).asFloatBuffer();
    this.stats = q.stats();
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
    // The dequantized weight's handle is closed as soon as the product is formed (autograd keeps
    // the tensor while it needs it), so at most one layer's weights are expanded at a time.
    try (NDArray w = dequantize(x.getManager())) {
      return Linear.linear(x, w).singletonOrThrow();
    }
  }

  @Override
  public NDArray dequantize(NDManager manager) {
    NDArray w = manager.create(new Shape(out, in), DataType.FLOAT32); // uninitialised
    FloatBuffer dst = w.toByteBuffer(true).order(ByteOrder.nativeOrder()).asFloatBuffer();
    int blocks = absmaxView.capacity();
    int tasks = (blocks + BLOCKS_PER_TASK - 1) / BLOCKS_PER_TASK;
    IntStream.range(0, tasks)
        .parallel()
        .forEach(t -> fill(dst, t * BLOCKS_PER_TASK, Math.min(blocks, (t + 1) * BLOCKS_PER_TASK)));
    if (computeType == DataType.FLOAT32) {
      return w;
    }
    try (w) {
      return w.toType(computeType, false);
    }
  }

  /** {@code code[index] * absmax} for blocks [from, to); the last block may be partial. */
  private void fill(FloatBuffer dst, int from, int to) {
    int numel = out * in;
    for (int b = from; b < to; b++) {
      float scale = absmaxView.get(b);
      int src = b * (Nf4.BLOCK / 2);
      int o = b * Nf4.BLOCK;
      if (o + Nf4.BLOCK > numel) {
        for (int i = o; i < numel; i++) {
          int v = ((packedView.get(i / 2) & 0xff) << 1) + (i % 2);
          dst.put(i, PAIRS[v] * scale);
        }
        continue;
      }
      for (int k = 0; k < Nf4.BLOCK / 2; k++) {
        int v = (packedView.get(src + k) & 0xff) << 1;
        dst.put(o + 2 * k, PAIRS[v] * scale);
        dst.put(o + 2 * k + 1, PAIRS[v + 1] * scale);
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
