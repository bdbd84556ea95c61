package io.tunecard.model.nf4;

import java.util.stream.IntStream;

/**
 * 4-bit NormalFloat (NF4) quantization as in the QLoRA paper and bitsandbytes: the weight is cut
 * into blocks of 64 consecutive values (row-major; a last partial block is padded with zeros), each
 * block is scaled by its absolute maximum into [-1, 1], and each value is replaced by the index of
 * the nearest of 16 code values. Two indices share a byte, the first in the high nibble. Ties go to
 * the lower code, exactly as bitsandbytes' decision tree ({@code x > threshold}) sends them. The
 * absmax values may be double-quantized ({@link DoubleQuant}).
 *
 * <p>The worker's {@code nf4.py} is the same quantization in PyTorch; both suites check the vectors
 * in {@code src/test/resources/fixtures/nf4/}.
 */
public final class Nf4 {
  public static final int BLOCK = 64;

  /** The NF4 code book (bitsandbytes' {@code nf4} values, QLoRA appendix E). */
  static final float[] CODE = {
    -1.0f,
    -0.6961928009986877f,
    -0.5250730514526367f,
    -0.39491748809814453f,
    -0.28444138169288635f,
    -0.18477343022823334f,
    -0.09105003625154495f,
    0.0f,
    0.07958029955625534f,
    0.16093020141124725f,
    0.24611230194568634f,
    0.33791524171829224f,
    0.44070982933044434f,
    0.5626170039176941f,
    0.7229568362236023f,
    1.0f
  };

  /** bitsandbytes' decision thresholds: the midpoints between neighbouring codes. */
  static final float[] THRESHOLD = {
    -0.8480964004993439f,
    -0.6106329262256622f,
    -0.4599952697753906f,
    -0.33967943489551544f,
    -0.23460740596055984f,
    -0.13791173323988914f,
    -0.045525018125772476f,
    0.03979014977812767f,
    0.1202552504837513f,
    0.2035212516784668f,
    0.2920137718319893f,
    0.3893125355243683f,
    0.5016634166240692f,
    0.6427869200706482f,
    0.8614784181118011f
  };

  /**
   * The largest distance from a normalized value in [-1, 1] to its code: half the widest gap
   * (between -1 and -0.696). Every dequantized value is within this times its block's absmax.
   */
  public static final float MAX_NORMALIZED_ERROR = (CODE[1] - CODE[0]) / 2;

  private Nf4() {}

  public static float code(int index) {
    return CODE[index];
  }

  /** The code index of a normalized value: the number of thresholds it exceeds. */
  public static int encode(float x) {
    int lo = 0;
    int hi = THRESHOLD.length; // answer in [lo, hi]
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (x > THRESHOLD[mid]) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /**
   * A quantized tensor: {@code ceil(numel / 2)} packed bytes and one absmax per block.
   *
   * @param absmax the scale each block dequantizes with (decoded from {@code doubleQuant} when
   *     there is one)
   * @param stats the error of the 4-bit codes against the exact absmax values
   * @param doubleQuant the stored form of the absmax values, or null when they are kept in fp32
   */
  public record Quantized(
      byte[] packed, float[] absmax, long numel, Stats stats, DoubleQuant doubleQuant) {}

  /** Quantization error of one tensor, accumulated while quantizing. */
  public record Stats(double sumSquares, double sumSquaredError, double maxAbsError) {
    /** ||W - deq(W)||_F / ||W||_F. */
    public double relativeError() {
      return sumSquares == 0 ? 0 : Math.sqrt(sumSquaredError / sumSquares);
    }

    Stats plus(Stats o) {
      return new Stats(
          sumSquares + o.sumSquares,
          sumSquaredError + o.sumSquaredError,
          Math.max(maxAbsError, o.maxAbsError));
    }
  }

  /** Reads a range of a tensor's values (converted to float). */
  public interface Source {
    void read(long from, float[] dst, int len);
  }

  public static Quantized quantize(float[] values) {
    return quantize(values, false);
  }

  public static Quantized quantize(float[] values, boolean doubleQuant) {
    return quantize(
        (from, dst, len) -> System.arraycopy(values, (int) from, dst, 0, len),
        values.length,
        doubleQuant);
  }

  public static Quantized quantize(Source source, long numel) {
    return quantize(source, numel, false);
  }

  /**
   * Quantizes {@code numel} values read from {@code source} in parallel chunks; nothing larger than
   * a chunk is held as floats.
   */
  public static Quantized quantize(Source source, long numel, boolean doubleQuant) {
    if (numel < 1 || (numel + 1) / 2 > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("NF4 needs 1 to 2^32 values, found " + numel);
    }
    int blocks = (int) ((numel + BLOCK - 1) / BLOCK);
    byte[] packed = new byte[(int) ((numel + 1) / 2)];
    float[] absmax = new float[blocks];
    int blocksPerChunk = 4096;
    int chunks = (blocks + blocksPerChunk - 1) / blocksPerChunk;
    Stats stats =
        IntStream.range(0, chunks)
            .parallel()
            .mapToObj(
                c -> {
                  int b0 = c * blocksPerChunk;
                  int nb = Math.min(blocksPerChunk, blocks - b0);
                  float[] buf = new float[nb * BLOCK]; // zeros past numel: the padding
                  long from = (long) b0 * BLOCK;
                  source.read(from, buf, (int) Math.min(buf.length, numel - from));
                  return quantizeBlocks(buf, nb, b0, packed, absmax);
                })
            .reduce(new Stats(0, 0, 0), Stats::plus);
    if (!doubleQuant) {
      return new Quantized(packed, absmax, numel, stats, null);
    }
    DoubleQuant dq = DoubleQuant.of(absmax);
    return new Quantized(packed, dq.values(), numel, stats, dq);
  }

  private static Stats quantizeBlocks(float[] v, int nb, int b0, byte[] packed, float[] absmax) {
    double sumSq = 0;
    double sumErr = 0;
    double maxErr = 0;
    for (int b = 0; b < nb; b++) {
      int base = b * BLOCK;
      float max = 0;
      for (int i = 0; i < BLOCK; i++) {
        max = Math.max(max, Math.abs(v[base + i]));
      }
      absmax[b0 + b] = max;
      // bitsandbytes multiplies by the reciprocal. An all-zero block maps to code 0.0 (in
      // bitsandbytes 0 * inf is NaN, which takes code 0: both decode to zero).
      float inv = max == 0 ? 0 : 1f / max;
      int out = (b0 + b) * (BLOCK / 2);
      for (int i = 0; i < BLOCK && out + i / 2 < packed.length; i += 2) {
        int hi = encode(v[base + i] * inv);
        int lo = encode(v[base + i + 1] * inv);
        packed[out + i / 2] = (byte) ((hi << 4) | lo);
        float e0 = v[base + i] - CODE[hi] * max;
        float e1 = v[base + i + 1] - CODE[lo] * max;
        sumSq += (double) v[base + i] * v[base + i] + (double) v[base + i + 1] * v[base + i + 1];
        sumErr += (double) e0 * e0 + (double) e1 * e1;
        maxErr = Math.max(maxErr, Math.max(Math.abs(e0), Math.abs(e1)));
      }
    }
    return new Stats(sumSq, sumErr, maxErr);
  }

  /** The reference dequantization: {@code code[index] * absmax} for every value. */
  public static float[] dequantize(Quantized q) {
    float[] out = new float[Math.toIntExact(q.numel())];
    for (int i = 0; i < out.length; i++) {
      int b = q.packed()[i / 2] & 0xff;
      out[i] = CODE[i % 2 == 0 ? b >>> 4 : b & 15] * q.absmax()[i / BLOCK];
    }
    return out;
  }

  /** The dequantization lookup table: byte → (high code, low code), 256 x 2. */
  static float[] pairTable() {
    float[] t = new float[512];
    for (int b = 0; b < 256; b++) {
      t[2 * b] = CODE[b >>> 4];
      t[2 * b + 1] = CODE[b & 15];
    }
    return t;
  }
}
