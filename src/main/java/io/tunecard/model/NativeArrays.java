package io.tunecard.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.tunecard.model.safetensors.DirectBuffers;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Creates DJL arrays that own their memory. On the CPU, DJL's {@code create(Buffer)} wraps a Java
 * direct buffer (freed only by a later garbage collection); these helpers copy into native memory
 * and free the staging buffer at once.
 */
public final class NativeArrays {
  private NativeArrays() {}

  public static NDArray of(NDManager manager, float[] values, Shape shape) {
    ByteBuffer b = ByteBuffer.allocateDirect(values.length * 4).order(ByteOrder.nativeOrder());
    b.asFloatBuffer().put(values);
    return fromDirect(manager, b, shape, DataType.FLOAT32);
  }

  public static NDArray of(NDManager manager, byte[] values, Shape shape) {
    ByteBuffer b = ByteBuffer.allocateDirect(values.length);
    b.put(values).flip();
    return fromDirect(manager, b, shape, DataType.UINT8);
  }

  public static NDArray of(NDManager manager, long[] values, Shape shape) {
    ByteBuffer b = ByteBuffer.allocateDirect(values.length * 8).order(ByteOrder.nativeOrder());
    b.asLongBuffer().put(values);
    return fromDirect(manager, b, shape, DataType.INT64);
  }

  /** Copies {@code direct} into a native array and frees {@code direct}. */
  public static NDArray fromDirect(
      NDManager manager, ByteBuffer direct, Shape shape, DataType type) {
    try (NDArray blob = manager.create(direct, shape, type)) {
      return blob.duplicate();
    } finally {
      DirectBuffers.free(direct);
    }
  }
}
