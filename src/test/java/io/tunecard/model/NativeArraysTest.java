package io.tunecard.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Arrays whose memory belongs to libtorch, whatever the Java garbage collector does. */
class NativeArraysTest {
  /**
   * The scalar of a differentiated product is read again by the backward pass: garbage collections
   * and fresh direct buffers (which reuse freed memory) between forward and backward must not
   * change the gradient.
   */
  @Test
  void aScaledProductKeepsItsFactorForTheBackwardPass() throws InterruptedException {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray x = m.ones(new Shape(4, 3));
      x.setRequiresGradient(true);
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray y = NativeArrays.scale(x, 0.25);
        List<ByteBuffer> noise = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
          System.gc();
          Thread.sleep(20); // the Cleaner frees unreachable direct buffers on its own thread
          for (int i = 0; i < 2000; i++) {
            ByteBuffer b = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());
            b.putDouble(0, 7.0);
            noise.add(b);
          }
        }
        assertThat(y.toFloatArray()).containsOnly(0.25f);
        gc.backward(y.sum());
        assertThat(noise).hasSize(10000);
      }
      assertThat(x.getGradient().toFloatArray()).containsOnly(0.25f);
    }
  }
}
