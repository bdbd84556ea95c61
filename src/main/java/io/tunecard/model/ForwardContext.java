package io.tunecard.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * What every layer of one forward pass shares: rotary tables for the positions, the additive
 * attention mask, the KV cache (inference) and the dropout settings (training).
 */
final class ForwardContext {
  final NDManager manager;
  final int batch;
  final int length; // new positions in this pass
  final int past; // positions already in the cache
  final NDArray cos; // (batch, length, 1, head_dim / 2)
  final NDArray sin; // (batch, length, 1, head_dim / 2)
  final NDArray bias; // (batch, 1, 1, length, past + length): 0 = attend, -max = masked
  final KvCache cache; // null outside incremental decoding
  final boolean training;
  final long dropoutSeed;

  private ForwardContext(
      NDManager manager,
      int batch,
      int length,
      int past,
      NDArray cos,
      NDArray sin,
      NDArray bias,
      KvCache cache,
      boolean training,
      long dropoutSeed) {
    this.manager = manager;
    this.batch = batch;
    this.length = length;
    this.past = past;
    this.cos = cos;
    this.sin = sin;
    this.bias = bias;
    this.cache = cache;
    this.training = training;
    this.dropoutSeed = dropoutSeed;
  }

  /**
   * Builds the context for {@code length} new tokens whose full mask history (past + new) is {@code
   * mask}. Position ids follow transformers' generate(): {@code cumsum(mask) - 1}, and 1 on
   * padding, so left padding does not shift the positions of real tokens.
   */
  static ForwardContext create(
      NDManager m,
      MistralConfig c,
      float[] invFreq,
      DataType type,
      int[][] mask,
      int past,
      int length,
      KvCache cache,
      boolean training,
      long dropoutSeed) {
    int batch = mask.length;
    int keys = past + length;
    float[] pos = new float[batch * length];
    float[] bias = new float[batch * length * keys];
    float masked = type == DataType.FLOAT16 ? -65504f : -Float.MAX_VALUE;
    for (int b = 0; b < batch; b++) {
      int seen = 0;
      for (int j = 0; j < keys; j++) {
        if (j >= past) {
          pos[b * length + j - past] = mask[b][j] == 1 ? seen : 1;
        }
        seen += mask[b][j];
      }
      for (int i = 0; i < length; i++) {
        int q = past + i;
        int row = (b * length + i) * keys;
        for (int j = 0; j < keys; j++) {
          boolean keep = mask[b][j] == 1 && j <= q;
          if (c.slidingWindow() != null && q - j >= c.slidingWindow()) {
            keep = false;
          }
          bias[row + j] = keep ? 0f : masked;
        }
      }
    }
    NDArray positions = NativeArrays.of(m, pos, new Shape(batch, length, 1));
    NDArray freq = NativeArrays.of(m, invFreq, new Shape(1, 1, invFreq.length));
    NDArray angles = positions.mul(freq).reshape(batch, length, 1, invFreq.length); // fp32 as HF
    NDArray cos = angles.cos();
    NDArray sin = angles.sin();
    NDArray biasArray = NativeArrays.of(m, bias, new Shape(batch, 1, 1, length, keys));
    if (type != DataType.FLOAT32) {
      cos = cos.toType(type, false);
      sin = sin.toType(type, false);
      biasArray = biasArray.toType(type, false);
    }
    return new ForwardContext(
        m, batch, length, past, cos, sin, biasArray, cache, training, dropoutSeed);
  }

  /** HF's {@code inv_freq = 1 / theta^(2i / d)}, computed in fp32 as transformers does. */
  static float[] inverseFrequencies(MistralConfig c) {
    int half = c.headDim() / 2;
    float[] inv = new float[half];
    for (int i = 0; i < half; i++) {
      float exponent = (float) (2 * i) / (float) c.headDim();
      inv[i] = 1.0f / (float) Math.pow(c.ropeTheta(), exponent);
    }
    return inv;
  }
}
