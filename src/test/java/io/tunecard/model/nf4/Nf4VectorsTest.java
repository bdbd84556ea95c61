package io.tunecard.model.nf4;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.model.Fixtures;
import io.tunecard.model.safetensors.SafetensorsFile;
import io.tunecard.model.safetensors.TensorInfo;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The NF4 vectors shared with the worker's {@code test_nf4.py} ({@code fixtures/nf4/}, written by
 * {@code scripts/crosscheck/nf4_vectors.py} from a line-by-line transcription of bitsandbytes'
 * kernels): identical codes, absmax values and dequantized tensors, bit for bit.
 */
class Nf4VectorsTest {
  private static SafetensorsFile file;

  @BeforeAll
  static void open() {
    file = SafetensorsFile.open(Fixtures.path("nf4/vectors.safetensors"));
  }

  @AfterAll
  static void close() {
    file.close();
  }

  static Stream<JsonNode> cases() {
    List<JsonNode> out = new ArrayList<>();
    Fixtures.json("nf4/cases.json").get("cases").forEach(out::add);
    return out.stream();
  }

  @Test
  void theDynamicMapIsBitsandbytes() {
    assertThat(bits(DoubleQuant.DYNAMIC)).containsExactly(bits(file.floats("dynamic_map")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void codesAbsmaxAndDequantizedValuesEqualTheVectors(JsonNode c) {
    String name = c.get("name").asText();
    boolean dq = c.get("double_quant").asBoolean();
    float[] input = file.floats(name + ".input");
    Nf4.Quantized q = Nf4.quantize(input, dq);
    assertThat(q.packed()).containsExactly(bytes(name + ".packed"));
    if (dq) {
      DoubleQuant d = q.doubleQuant();
      assertThat(d.codes()).containsExactly(bytes(name + ".absmax_codes"));
      assertThat(bits(d.scales())).containsExactly(bits(file.floats(name + ".absmax_scales")));
      assertThat(Float.floatToRawIntBits(d.offset()))
          .isEqualTo(Float.floatToRawIntBits(file.floats(name + ".absmax_offset")[0]));
      assertThat(bits(q.absmax())).containsExactly(bits(file.floats(name + ".absmax_decoded")));
      assertThat(bits(Nf4.quantize(input, false).absmax()))
          .containsExactly(bits(file.floats(name + ".absmax")));
    } else {
      assertThat(q.doubleQuant()).isNull();
      assertThat(bits(q.absmax())).containsExactly(bits(file.floats(name + ".absmax")));
    }
    int[] expected = bits(file.floats(name + ".dequantized"));
    assertThat(bits(Nf4.dequantize(q))).containsExactly(expected);
    // the native layer's table lookup gives the same tensor (a 2-d view of the values)
    int rows = input.length % 2 == 0 ? 2 : 1;
    try (NDManager m = NDManager.newBaseManager()) {
      Nf4Linear linear = new Nf4Linear(m, q, rows, input.length / rows, DataType.FLOAT32);
      assertThat(bits(linear.dequantize(m).toFloatArray())).containsExactly(expected);
    }
  }

  private static byte[] bytes(String name) {
    TensorInfo t = file.info(name);
    ByteBuffer buf = file.map(t, 0, t.numel());
    byte[] out = new byte[buf.remaining()];
    buf.get(out);
    return out;
  }

  private static int[] bits(float[] v) {
    int[] out = new int[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = Float.floatToRawIntBits(v[i]);
    }
    return out;
  }
}
