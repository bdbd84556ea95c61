package io.tunecard.model.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.tunecard.files.BadInputException;
import io.tunecard.model.Fixtures;
import io.tunecard.model.HfKeys;
import io.tunecard.model.MistralConfig;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
  @Test
  void bf16AndF16CopiesHoldTheFp32WeightsRounded() {
    try (Checkpoint fp32 = Checkpoint.open(Fixtures.path("tiny-mistral"));
        Checkpoint bf16 = Checkpoint.open(Fixtures.path("tiny-mistral-bf16"));
        Checkpoint f16 = Checkpoint.open(Fixtures.path("tiny-mistral-f16-sharded"))) {
      assertThat(bf16.names()).isEqualTo(fp32.names());
      assertThat(f16.names()).isEqualTo(fp32.names());
      for (String name : fp32.names()) {
        float[] w = fp32.floats(name);
        float[] b = bf16.floats(name);
        float[] h = f16.floats(name);
        for (int i = 0; i < w.length; i++) {
          assertThat(b[i]).isEqualTo(Halfs.bf16ToFloat(Halfs.floatToBf16(w[i])));
          assertThat(h[i]).isEqualTo(Halfs.f16ToFloat(Halfs.floatToF16(w[i])));
        }
      }
      try (NDManager m = NDManager.newBaseManager()) {
        assertThat(bf16.read(HfKeys.LM_HEAD, m, DataType.FLOAT32).toFloatArray())
            .containsExactly(bf16.floats(HfKeys.LM_HEAD));
      }
    }
  }

  @Test
  void halfConversionsRoundToNearestEven() {
    assertThat(Halfs.floatToBf16(1.0f)).isEqualTo((short) 0x3f80);
    // 1 + 2^-8 is halfway between two bf16 values: ties to even (1.0)
    assertThat(Halfs.bf16ToFloat(Halfs.floatToBf16(1f + 0x1p-8f))).isEqualTo(1.0f);
    assertThat(Halfs.bf16ToFloat(Halfs.floatToBf16(1f + 0x1p-8f + 0x1p-20f)))
        .isEqualTo(1f + 0x1p-7f);
    assertThat(Halfs.f16ToFloat(Halfs.floatToF16(65504f))).isEqualTo(65504f);
    assertThat(Halfs.f16ToFloat(Halfs.floatToF16(1e6f))).isInfinite();
    assertThat(Halfs.f16ToFloat(Halfs.floatToF16(0x1p-24f))).isEqualTo(0x1p-24f);
    assertThat(Halfs.f16ToFloat(Halfs.floatToF16(-2.5f))).isEqualTo(-2.5f);
    Random r = new Random(4);
    for (int i = 0; i < 100000; i++) {
      float f = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(8) - 4));
      float h = Halfs.f16ToFloat(Halfs.floatToF16(f));
      assertThat(Math.abs(h - f)).isLessThanOrEqualTo(Math.max(Math.abs(f) * 0x1p-11f, 0x1p-25f));
    }
  }

  @Test
  void writerRoundTripsAndShards(@TempDir Path dir) throws Exception {
    float[] a = {1f, -2.5f, 3.25f, 0.1f, 7f, 8f};
    SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
    w.add("a", a, new long[] {2, 3}, Dtype.F32);
    w.add("b", a, new long[] {6}, Dtype.BF16);
    w.add("c", a, new long[] {3, 2}, Dtype.F16);
    w.writeSharded(dir, 20);
    assertThat(dir.resolve(Checkpoint.INDEX)).exists();
    try (Checkpoint ck = Checkpoint.open(dir)) {
      assertThat(ck.names()).containsExactlyInAnyOrder("a", "b", "c");
      assertThat(ck.floats("a")).containsExactly(a);
      assertThat(ck.info("b").dtype()).isEqualTo(Dtype.BF16);
      assertThat(ck.floats("b")[1]).isEqualTo(-2.5f);
      assertThat(ck.floats("c")[3]).isEqualTo(Halfs.f16ToFloat(Halfs.floatToF16(0.1f)));
      assertThat(ck.info("c").shape()).containsExactly(3, 2);
    }
    assertThat(Files.list(dir).filter(p -> p.getFileName().toString().contains(".tmp-"))).isEmpty();
  }

  @Test
  void badFilesAreNamedInTheError(@TempDir Path dir) throws Exception {
    Path bad = dir.resolve("bad.safetensors");
    Files.write(bad, new byte[] {1, 2, 3});
    assertThatThrownBy(() -> SafetensorsFile.open(bad))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("bad.safetensors");
    String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,12]}}";
    Path shortData = dir.resolve("short.safetensors");
    Files.write(shortData, file(header, 12));
    assertThatThrownBy(() -> SafetensorsFile.open(shortData))
        .hasMessageContaining("short.safetensors")
        .hasMessageContaining("'w'");
    Path weird = dir.resolve("weird.safetensors");
    Files.write(weird, file("{\"w\":{\"dtype\":\"C64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8));
    assertThatThrownBy(() -> SafetensorsFile.open(weird)).hasMessageContaining("C64");
  }

  @Test
  void missingAndUnexpectedTensorsAreListed() {
    MistralConfig c = MistralConfig.read(Fixtures.path("tiny-mistral"));
    try (Checkpoint ck = Checkpoint.open(Fixtures.path("tiny-mistral-f16-sharded"))) {
      Set<String> expected = new HashSet<>(HfKeys.baseModel(c));
      expected.remove(HfKeys.LM_HEAD);
      expected.add("model.layers.2.mlp.up_proj.weight");
      assertThatThrownBy(() -> ck.requireExactly(expected))
          .isInstanceOf(BadInputException.class)
          .hasMessageContaining("missing 1: [model.layers.2.mlp.up_proj.weight]")
          .hasMessageContaining(
              "unexpected 1: [lm_head.weight] (in model-00003-of-00003.safetensors)");
    }
  }

  private static byte[] file(String header, int dataBytes) {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h);
    return b.array();
  }
}
