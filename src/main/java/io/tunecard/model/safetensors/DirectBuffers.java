package io.tunecard.model.safetensors;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;

/**
 * Frees direct and memory-mapped buffers at once instead of at some later garbage collection: a 7B
 * checkpoint streams gigabytes through them, and mapped pages count as resident memory until they
 * are unmapped.
 */
public final class DirectBuffers {
  private static final Object UNSAFE;
  private static final Method INVOKE_CLEANER;

  static {
    Object unsafe = null;
    Method cleaner = null;
    try {
      Class<?> type = Class.forName("sun.misc.Unsafe");
      Field field = type.getDeclaredField("theUnsafe");
      field.setAccessible(true);
      unsafe = field.get(null);
      cleaner = type.getMethod("invokeCleaner", ByteBuffer.class);
    } catch (ReflectiveOperationException | RuntimeException e) {
      // Without it buffers are released by the garbage collector, later.
      unsafe = null;
      cleaner = null;
    }
    UNSAFE = unsafe;
    INVOKE_CLEANER = cleaner;
  }

  private DirectBuffers() {}

  /** Releases {@code buffer} now; it must not be used (nor any view of it) afterwards. */
  public static void free(ByteBuffer buffer) {
    if (buffer == null || !buffer.isDirect() || INVOKE_CLEANER == null) {
      return;
    }
    try {
      INVOKE_CLEANER.invoke(UNSAFE, buffer);
    } catch (ReflectiveOperationException | IllegalArgumentException e) {
      // A slice or duplicate has no cleaner of its own; the garbage collector frees its parent.
    }
  }
}
