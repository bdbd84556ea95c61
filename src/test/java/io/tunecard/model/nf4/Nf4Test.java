package io.tunecard.model.nf4;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.tunecard.model.DenseLinear;
import io.tunecard.model.NativeArrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** NF4 against its definition: code book, thresholds, packing, error bounds. */
class Nf4Test {
  @Test
  void codeBookIsTheQloraOneAndThresholdsAreMidpoints() {
    assertThat(Nf4.CODE).hasSize(16);
    assertThat(Nf4.CODE[0]).isEqualTo(-1.0f);
    assertThat(Nf4.CODE[7]).isEqualTo(0.0f);
    assertThat(Nf4.CODE[15]).isEqualTo(1.0f);
    assertThat(Nf4.CODE[8]).isEqualTo(0.07958029955625534f);
    for (int i = 0; i < 15; i++) {
      assertThat(Nf4.CODE[i]).isLessThan(Nf4.CODE[i + 1]);
      double mid = (Nf4.CODE[i] + (double) Nf4.CODE[i + 1]) / 2;
      assertThat(Math.abs(Nf4.THRESHOLD[i] - mid)).isLessThan(1e-6);
    }
    assertThat(Nf4.MAX_NORMALIZED_ERROR)
        .isCloseTo(0.1519f, org.assertj.core.data.Offset.offset(1e-4f));
  }

  @Test
  void encodeIsNearestCodeWithTiesToTheLowerCode() {
    for (int i = 0; i < 16; i++) {
      assertThat(Nf4.encode(Nf4.CODE[i])).isEqualTo(i);
    }
    for (int i = 0; i < 15; i++) {
      float t = Nf4.THRESHOLD[i];
      assertThat(Nf4.encode(t)).as("threshold %d", i).isEqualTo(i);
      assertThat(Nf4.encode(Math.nextUp(t))).isEqualTo(i + 1);
    }
    Random r = new Random(1);
    for (int k = 0; k < 10000; k++) {
      float x = r.nextFloat() * 2 - 1;
      int best = 0;
      for (int i = 1; i < 16; i++) {
        if (Math.abs(x - Nf4.CODE[i]) < Math.abs(x - Nf4.CODE[best])) {
          best = i;
        }
      }
      assertThat(Nf4.encode(x)).isEqualTo(best);
    }
  }

  @Test
  void valuesOnTheCodeBookRoundTripExactlyAndPackHighNibbleFirst() {
    float absmax = 0.37f;
    float[] w = new float[128];
    for (int i = 0; i < 64; i++) {
      w[i] = Nf4.CODE[i % 16] * absmax; // block 0 reaches ±absmax
      w[64 + i] = 0; // an all-zero block
    }
    Nf4.Quantized q = Nf4.quantize(w);
    assertThat(q.absmax()).containsExactly(absmax, 0f);
    assertThat(q.packed()[0]).isEqualTo((byte) 0x01); // codes 0 then 1
    assertThat(q.packed()[7]).isEqualTo((byte) 0xEF); // codes 14 then 15
    assertThat(Nf4.dequantize(q)).containsExactly(w);
    assertThat(q.stats().maxAbsError()).isZero();
  }

  @Test
  void errorsStayWithinHalfTheWidestGapTimesAbsmax() {
    Random r = new Random(2);
    float[] w = new float[64 * 500];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) r.nextGaussian() * 0.02f;
    }
    Nf4.Quantized q = Nf4.quantize(w);
    float[] d = Nf4.dequantize(q);
    double sq = 0;
    double err = 0;
    for (int i = 0; i < w.length; i++) {
      float bound = Nf4.MAX_NORMALIZED_ERROR * q.absmax()[i / 64] * (1 + 1e-6f);
      assertThat(Math.abs(w[i] - d[i])).isLessThanOrEqualTo(bound);
      sq += w[i] * w[i];
      err += (w[i] - d[i]) * (w[i] - d[i]);
    }
    assertThat(q.stats().relativeError())
        .isCloseTo(Math.sqrt(err / sq), org.assertj.core.data.Offset.offset(1e-9));
    // Gaussian weights: NF4's relative error is about 10 %.
    assertThat(q.stats().relativeError()).isBetween(0.05, 0.15);
  }

  @Test
  void nativeDequantizationEqualsTheReferenceAndLinearErrorIsBounded() {
    int out = 48;
    int in = 96;
    Random r = new Random(3);
    float[] w = new float[out * in];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) r.nextGaussian() * 0.05f;
    }
    float[] x = new float[5 * in];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    Nf4.Quantized q = Nf4.quantize(w);
    try (NDManager m = NDManager.newBaseManager()) {
      Nf4Linear nf4 = new Nf4Linear(m, q, out, in, DataType.FLOAT32);
      assertThat(nf4.dequantize(m).toFloatArray()).containsExactly(Nf4.dequantize(q));
      assertThat(nf4.storageBytes()).isEqualTo(out * in / 2 + out * in / 64 * 4);
      NDArray wd = nf4.dequantize(m);
      assertThat(wd.getShape()).isEqualTo(new Shape(out, in));
      NDArray input = NativeArrays.of(m, x, new Shape(5, in));
      float[] exact =
          new DenseLinear(NativeArrays.of(m, w, new Shape(out, in))).apply(input).toFloatArray();
      float[] approx = nf4.apply(input).toFloatArray();
      // |y_i - ŷ_i| = |Σ_j e_ij x_j| <= Σ_blocks (0.152 · absmax_b) · Σ_{j in block} |x_j|
      for (int s = 0; s < 5; s++) {
        for (int o = 0; o < out; o++) {
          double bound = 0;
          for (int j = 0; j < in; j++) {
            int flat = o * in + j;
            bound += Nf4.MAX_NORMALIZED_ERROR * q.absmax()[flat / 64] * Math.abs(x[s * in + j]);
          }
          double diff = Math.abs(exact[s * out + o] - approx[s * out + o]);
          assertThat(diff).isLessThanOrEqualTo(bound * 1.0001 + 1e-5);
        }
      }
    }
  }
}
