package io.tunecard.model.safetensors;

import ai.djl.ndarray.types.DataType;

/** The safetensors element types tunecard reads and writes, with their sizes in bytes. */
public enum Dtype {
  F32(4, DataType.FLOAT32),
  F16(2, DataType.FLOAT16),
  BF16(2, null),
  F64(8, DataType.FLOAT64),
  I64(8, DataType.INT64),
  I32(4, DataType.INT32),
  U8(1, DataType.UINT8);

  private final int bytes;
  private final DataType djl;

  Dtype(int bytes, DataType djl) {
    this.bytes = bytes;
    this.djl = djl;
  }

  public int bytes() {
    return bytes;
  }

  /** True for the floating-point types a model weight may have on disk. */
  public boolean isWeightType() {
    return this == F32 || this == F16 || this == BF16;
  }

  /** The DJL type holding this type's raw bytes; BF16 has none (DJL 0.36 aborts on bf16). */
  public DataType djl() {
    if (djl == null) {
      throw new IllegalStateException("DJL has no " + this + " arrays; convert on load");
    }
    return djl;
  }

  public static Dtype of(DataType type) {
    for (Dtype d : values()) {
      if (d.djl == type) {
        return d;
      }
    }
    throw new IllegalArgumentException("no safetensors dtype for DJL type " + type);
  }

  /** Parses a header's dtype string; null when it is not one tunecard handles. */
  static Dtype parse(String name) {
    for (Dtype d : values()) {
      if (d.name().equals(name)) {
        return d;
      }
    }
    return null;
  }
}
