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
 *
 * <p>The same holds for the scalar operand of DJL's {@code mul(Number)} and the other {@code
 * (Number)} operations: a 0-d array over a Java direct buffer, closed right after the operation. An
 * operation that autograd differentiates keeps that operand for the backward pass (the product's
 * gradient is the incoming gradient times the scalar), so a garbage collection between forward and
 * backward freed the buffer and the backward read whatever the allocator had put there since:
 * gradients that differed from run to run. Differentiated code scales with {@link #scale}.
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

  /**
   * {@code x * s} with {@code s} a float64 0-d array in native memory (the operand DJL's {@code
   * x.mul(s)} would create, so results are bit for bit the same), in {@code x}'s manager.
   */
  public static NDArray scale(NDArray x, double s) {
    ByteBuffer b = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());
    b.putDouble(0, s);
    return x.mul(fromDirect(x.getManager(), b, new Shape(), DataType.FLOAT64));
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
