package io.tunecard.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Keys and values of every layer for incremental decoding, preallocated for {@code capacity}
 * positions: a prefill writes the (left-padded) prompt, each decode step one position. Rows can be
 * reordered for beam search. The mask history decides attention and position ids, as transformers'
 * generate() does with its growing attention mask.
 */
public final class KvCache implements AutoCloseable {
  private final NDManager manager;
  private final int batch;
  private final int capacity;
  private final NDArray[] keys; // per layer (batch, kv_heads, capacity, head_dim)
  private final NDArray[] values;
  private int[][] mask; // (batch, capacity)
  private int length;

  KvCache(MistralConfig c, DataType type, int batch, int capacity, NDManager parent) {
    if (batch < 1 || capacity < 1) {
      throw new IllegalArgumentException("KV cache needs batch >= 1 and capacity >= 1");
    }
    c.checkSequenceLength(capacity);
    this.manager = parent.newSubManager();
    this.batch = batch;
    this.capacity = capacity;
    this.keys = new NDArray[c.numHiddenLayers()];
    this.values = new NDArray[c.numHiddenLayers()];
    Shape shape = new Shape(batch, c.numKeyValueHeads(), capacity, c.headDim());
    for (int l = 0; l < keys.length; l++) {
      keys[l] = manager.zeros(shape, type);
      values[l] = manager.zeros(shape, type);
    }
    this.mask = new int[batch][capacity];
  }

  public int batch() {
    return batch;
  }

  public int capacity() {
    return capacity;
  }

  /** Positions filled so far (prompt width plus decoded steps). */
  public int length() {
    return length;
  }

  /** The mask history followed by {@code next} (batch, len): what attention sees this pass. */
  int[][] maskWith(int[][] next) {
    int t = next[0].length;
    if (next.length != batch) {
      throw new IllegalArgumentException("batch " + next.length + " != cache batch " + batch);
    }
    if (length + t > capacity) {
      throw new IllegalStateException(
          "KV cache full: " + length + " + " + t + " positions exceed capacity " + capacity);
    }
    int[][] full = new int[batch][length + t];
    for (int b = 0; b < batch; b++) {
      System.arraycopy(mask[b], 0, full[b], 0, length);
      System.arraycopy(next[b], 0, full[b], length, t);
    }
    return full;
  }

  /**
   * Writes (batch, kv, len, hd) at {@code past} and returns the view of positions [0, past + len).
   */
  NDArray store(int layer, boolean isKey, int past, NDArray kv) {
    NDArray target = isKey ? keys[layer] : values[layer];
    long t = kv.getShape().get(2);
    target.set(new NDIndex(":, :, {}:{}", past, past + t), kv);
    return target.get(new NDIndex(":, :, :{}", past + t));
  }

  /** Records {@code next} (batch, len) after all layers stored their keys and values. */
  void advance(int[][] next) {
    int t = next[0].length;
    for (int b = 0; b < batch; b++) {
      System.arraycopy(next[b], 0, mask[b], length, t);
    }
    length += t;
  }

  /** Beam search: row i becomes the former row {@code rows[i]}. */
  public void reorder(int[] rows) {
    if (rows.length != batch) {
      throw new IllegalArgumentException(rows.length + " rows for a cache of batch " + batch);
    }
    long[] idx = new long[rows.length];
    int[][] newMask = new int[batch][];
    for (int i = 0; i < rows.length; i++) {
      if (rows[i] < 0 || rows[i] >= batch) {
        throw new IllegalArgumentException("row " + rows[i] + " outside [0, " + batch + ")");
      }
      idx[i] = rows[i];
      newMask[i] = mask[rows[i]].clone();
    }
    try (NDArray index = NativeArrays.of(manager, idx, new Shape(batch))) {
      for (int l = 0; l < keys.length; l++) {
        NDArray k = keys[l].get(index);
        NDArray v = values[l].get(index);
        keys[l].close();
        values[l].close();
        keys[l] = k;
        values[l] = v;
      }
    }
    mask = newMask;
  }

  @Override
  public void close() {
    manager.close();
  }
}
