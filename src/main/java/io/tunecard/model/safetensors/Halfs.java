package io.tunecard.model.safetensors;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Conversions between fp32 and the 16-bit float formats, done in Java because DJL lacks bf16. */
public final class Halfs {
  private Halfs() {}

  /** bf16 → fp32 is exact: a bf16 is the upper 16 bits of an fp32. */
  public static float bf16ToFloat(short bits) {
    return Float.intBitsToFloat((bits & 0xffff) << 16);
  }

  /** fp32 → bf16 with round-to-nearest-even, as torch's {@code .to(torch.bfloat16)} does. */
  public static short floatToBf16(float f) {
    int bits = Float.floatToRawIntBits(f);
    if (Float.isNaN(f)) {
      return (short) ((bits >>> 16) | 0x40);
    }
    int lsb = (bits >>> 16) & 1;
    return (short) ((bits + 0x7fff + lsb) >>> 16);
  }

  /** IEEE binary16 → fp32 (exact). */
  public static float f16ToFloat(short h) {
    int bits = h & 0xffff;
    int sign = (bits & 0x8000) << 16;
    int exp = (bits >>> 10) & 0x1f;
    int mant = bits & 0x3ff;
    if (exp == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
    }
    if (exp == 0) {
      if (mant == 0) {
        return Float.intBitsToFloat(sign);
      }
      float v = mant * 0x1p-24f; // subnormal: mant * 2^-24
      return sign == 0 ? v : -v;
    }
    return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
  }

  /** fp32 → IEEE binary16 with round-to-nearest-even. */
  public static short floatToF16(float f) {
    int bits = Float.floatToRawIntBits(f);
    int sign = (bits >>> 16) & 0x8000;
    if (Float.isNaN(f)) {
      return (short) (sign | 0x7e00);
    }
    float a = Math.abs(f);
    if (a >= 65520f) {
      return (short) (sign | 0x7c00);
    }
    if (a < 0x1p-14f) { // subnormal half (or zero): quantum 2^-24
      int m = Math.round(a * 0x1p24f); // ties: Math.round rounds half up; fix to even below
      float exact = a * 0x1p24f;
      if (exact - Math.floor(exact) == 0.5 && (m & 1) == 1) {
        m -= 1;
      }
      return (short) (sign | m);
    }
    int e = ((bits >>> 23) & 0xff) - 112;
    int mant = bits & 0x7fffff;
    int half = (e << 10) | (mant >>> 13);
    int rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest == 0x1000 && (half & 1) == 1)) {
      half++;
    }
    return (short) (sign | half);
  }

  /** Decodes {@code n} elements of {@code dtype} at element {@code from} of {@code src}. */
  static void decode(Dtype dtype, ByteBuffer src, int from, float[] dst, int off, int n) {
    ByteBuffer b = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    switch (dtype) {
      case F32 -> b.position(from * 4).asFloatBuffer().get(dst, off, n);
      case BF16 -> {
        for (int i = 0; i < n; i++) {
          dst[off + i] = bf16ToFloat(b.getShort((from + i) * 2));
        }
      }
      case F16 -> {
        for (int i = 0; i < n; i++) {
          dst[off + i] = f16ToFloat(b.getShort((from + i) * 2));
        }
      }
      default -> throw new IllegalArgumentException("not a float type: " + dtype);
    }
  }

  /** Widens {@code n} bf16 values of {@code src} into fp32 in {@code dst}, in parallel chunks. */
  static void bf16ToF32(ByteBuffer src, ByteBuffer dst, int n) {
    int parts = Math.max(1, Math.min(64, n / (1 << 16)));
    java.util.stream.IntStream.range(0, parts)
        .parallel()
        .forEach(
            p -> {
              int lo = (int) ((long) n * p / parts);
              int hi = (int) ((long) n * (p + 1) / parts);
              ByteBuffer s = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
              ByteBuffer d = dst.duplicate().order(ByteOrder.nativeOrder());
              for (int i = lo; i < hi; i++) {
                d.putInt(i * 4, (s.getShort(i * 2) & 0xffff) << 16);
              }
            });
  }
}
