package io.tunecard.model.nf4;

/**
 * QLoRA's double quantization of NF4's absmax values, as bitsandbytes' {@code compress_statistics}:
 * their mean is subtracted, and the rest is quantized in blocks of 256 to bitsandbytes' signed
 * 8-bit dynamic map (its {@code dQuantize} search and rounding), each block scaled by its own
 * absolute maximum. That stores a scale in 8.125 bits instead of 32.
 *
 * <p>Two definitions are tunecard's, shared with the worker's {@code nf4.py}: the mean is a float64
 * sum in index order divided by the count, rounded to fp32 (bitsandbytes takes a fp32 mean on the
 * GPU), and a value decodes as {@code code * scale + mean} in float64, rounded to fp32.
 *
 * @param codes one 8-bit code per NF4 block
 * @param scales fp32, one per {@value #BLOCK} codes
 * @param offset the mean that was subtracted
 */
public record DoubleQuant(byte[] codes, float[] scales, float offset) {
  public static final int BLOCK = 256;

  /** bitsandbytes' {@code create_dynamic_map(signed=True)}: 256 sorted fp32 values. */
  static final float[] DYNAMIC = {
    -0.99296874f, -0.9789063f, -0.96484375f, -0.9507812f, -0.93671876f, -0.92265624f,
    -0.9085938f, -0.89453125f, -0.8804687f, -0.86640626f, -0.85234374f, -0.8382813f,
    -0.82421875f, -0.8101562f, -0.79609376f, -0.78203124f, -0.7679688f, -0.75390625f,
    -0.7398437f, -0.72578126f, -0.7117188f, -0.6976563f, -0.68359375f, -0.6695312f,
    -0.65546876f, -0.6414063f, -0.6273438f, -0.61328125f, -0.5992187f, -0.58515626f,
    -0.5710938f, -0.5570313f, -0.54296875f, -0.5289062f, -0.5148437f, -0.50078124f,
    -0.4867187f, -0.47265625f, -0.45859373f, -0.44453126f, -0.43046874f, -0.41640624f,
    -0.40234375f, -0.38828123f, -0.37421876f, -0.36015624f, -0.34609374f, -0.33203125f,
    -0.31796873f, -0.30390626f, -0.28984374f, -0.27578127f, -0.26171875f, -0.24765624f,
    -0.23359375f, -0.21953125f, -0.20546874f, -0.19140625f, -0.17734376f, -0.16328125f,
    -0.14921875f, -0.13515624f, -0.12109375f, -0.107031256f, -0.09859375f, -0.09578126f,
    -0.092968754f, -0.09015625f, -0.08734375f, -0.08453125f, -0.08171876f, -0.07890625f,
    -0.07609375f, -0.07328125f, -0.070468746f, -0.067656256f, -0.06484375f, -0.06203125f,
    -0.059218753f, -0.05640625f, -0.05359375f, -0.05078125f, -0.04796875f, -0.04515625f,
    -0.042343747f, -0.03953125f, -0.036718752f, -0.03390625f, -0.03109375f, -0.028281251f,
    -0.02546875f, -0.02265625f, -0.019843752f, -0.01703125f, -0.01421875f, -0.01140625f,
    -0.00971875f, -0.009156249f, -0.00859375f, -0.00803125f, -0.00746875f, -0.00690625f,
    -0.00634375f, -0.00578125f, -0.0052187503f, -0.0046562497f, -0.00409375f, -0.0035312497f,
    -0.00296875f, -0.00240625f, -0.00184375f, -0.0012812499f, -0.0009437501f, -0.00083125f,
    -0.00071875006f, -0.0006062501f, -0.00049375003f, -0.00038125002f, -0.00026875004f,
        -0.00015625001f,
    -8.875e-05f, -6.625e-05f, -4.375e-05f, -2.1249998e-05f, -7.75e-06f, -3.2500002e-06f,
    -5.5000004e-07f, 0.0f, 5.5000004e-07f, 3.2500002e-06f, 7.75e-06f, 2.1249998e-05f,
    4.375e-05f, 6.625e-05f, 8.875e-05f, 0.00015625001f, 0.00026875004f, 0.00038125002f,
    0.00049375003f, 0.0006062501f, 0.00071875006f, 0.00083125f, 0.0009437501f, 0.0012812499f,
    0.00184375f, 0.00240625f, 0.00296875f, 0.0035312497f, 0.00409375f, 0.0046562497f,
    0.0052187503f, 0.00578125f, 0.00634375f, 0.00690625f, 0.00746875f, 0.00803125f,
    0.00859375f, 0.009156249f, 0.00971875f, 0.01140625f, 0.01421875f, 0.01703125f,
    0.019843752f, 0.02265625f, 0.02546875f, 0.028281251f, 0.03109375f, 0.03390625f,
    0.036718752f, 0.03953125f, 0.042343747f, 0.04515625f, 0.04796875f, 0.05078125f,
    0.05359375f, 0.05640625f, 0.059218753f, 0.06203125f, 0.06484375f, 0.067656256f,
    0.070468746f, 0.07328125f, 0.07609375f, 0.07890625f, 0.08171876f, 0.08453125f,
    0.08734375f, 0.09015625f, 0.092968754f, 0.09578126f, 0.09859375f, 0.107031256f,
    0.12109375f, 0.13515624f, 0.14921875f, 0.16328125f, 0.17734376f, 0.19140625f,
    0.20546874f, 0.21953125f, 0.23359375f, 0.24765624f, 0.26171875f, 0.27578127f,
    0.28984374f, 0.30390626f, 0.31796873f, 0.33203125f, 0.34609374f, 0.36015624f,
    0.37421876f, 0.38828123f, 0.40234375f, 0.41640624f, 0.43046874f, 0.44453126f,
    0.45859373f, 0.47265625f, 0.4867187f, 0.50078124f, 0.5148437f, 0.5289062f,
    0.54296875f, 0.5570313f, 0.5710938f, 0.58515626f, 0.5992187f, 0.61328125f,
    0.6273438f, 0.6414063f, 0.65546876f, 0.6695312f, 0.68359375f, 0.6976563f,
    0.7117188f, 0.72578126f, 0.7398437f, 0.75390625f, 0.7679688f, 0.78203124f,
    0.79609376f, 0.8101562f, 0.82421875f, 0.8382813f, 0.85234374f, 0.86640626f,
    0.8804687f, 0.89453125f, 0.9085938f, 0.92265624f, 0.93671876f, 0.9507812f,
    0.96484375f, 0.9789063f, 0.99296874f, 1.0f,
  };

  public DoubleQuant {
    if (scales.length != (codes.length + BLOCK - 1) / BLOCK) {
      throw new IllegalArgumentException(
          "scales: expected one per "
              + BLOCK
              + " codes, found "
              + scales.length
              + " for "
              + codes.length);
    }
  }

  /** Double-quantizes the absmax values of an NF4 tensor. */
  public static DoubleQuant of(float[] absmax) {
    double sum = 0;
    for (float a : absmax) {
      sum += a;
    }
    float offset = absmax.length == 0 ? 0 : (float) (sum / absmax.length);
    int blocks = (absmax.length + BLOCK - 1) / BLOCK;
    byte[] codes = new byte[absmax.length];
    float[] scales = new float[blocks];
    for (int b = 0; b < blocks; b++) {
      int from = b * BLOCK;
      int to = Math.min(absmax.length, from + BLOCK);
      float max = 0;
      for (int i = from; i < to; i++) {
        max = Math.max(max, Math.abs(absmax[i] - offset));
      }
      scales[b] = max;
      float inv = max == 0 ? 0 : 1f / max;
      for (int i = from; i < to; i++) {
        codes[i] = (byte) encode((absmax[i] - offset) * inv);
      }
    }
    return new DoubleQuant(codes, scales, offset);
  }

  /** The absmax values the codes stand for. */
  public float[] values() {
    float[] out = new float[codes.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) ((double) DYNAMIC[codes[i] & 0xff] * scales[i / BLOCK] + offset);
    }
    return out;
  }

  /** Bytes of the stored form: codes, scales and the offset. */
  public long storageBytes() {
    return codes.length + 4L * scales.length + 4;
  }

  /**
   * bitsandbytes' {@code dQuantize<0>}: a 7-step binary search from index 127, then the nearer of
   * the last pivot and its neighbour by their midpoint, ties as its comparisons send them.
   */
  static int encode(float x) {
    int pivot = 127;
    int upperPivot = 255;
    int lowerPivot = 0;
    float lower = -1.0f;
    float upper = 1.0f;
    float val = DYNAMIC[pivot];
    for (int step = 64; step > 0; step >>= 1) {
      if (x > val) {
        lowerPivot = pivot;
        lower = val;
        pivot += step;
      } else {
        upperPivot = pivot;
        upper = val;
        pivot -= step;
      }
      val = DYNAMIC[pivot];
    }
    if (upperPivot == 255) {
      upper = DYNAMIC[upperPivot];
    }
    if (lowerPivot == 0) {
      lower = DYNAMIC[lowerPivot];
    }
    if (x > val) {
      return x > (upper + val) * 0.5f ? upperPivot : pivot;
    }
    return x < (lower + val) * 0.5f ? lowerPivot : pivot;
  }
}
