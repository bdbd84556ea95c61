package io.tunecard.model.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import io.tunecard.model.Fixtures;
import io.tunecard.model.MistralConfig;
import io.tunecard.model.Parameter;
import io.tunecard.model.Projection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeftFormatTest {
  private static final MistralConfig TINY = MistralConfig.read(Fixtures.path("tiny-mistral"));

  @Test
  void createdAdapterStartsLikePeft() {
    LoraConfig lc = new LoraConfig(4, 8, 0.05, EnumSet.of(Projection.Q_PROJ, Projection.DOWN_PROJ));
    try (NDManager m = NDManager.newBaseManager();
        LoraAdapter a = LoraAdapter.create(TINY, lc, 1, m);
        LoraAdapter same = LoraAdapter.create(TINY, lc, 1, m)) {
      assertThat(a.parameters()).hasSize(2 * 2 * 2);
      for (Parameter p : a.parameters()) {
        float[] v = p.value().toFloatArray();
        if (p.name().endsWith("lora_B.weight")) {
          assertThat(Fixtures.maxAbs(v)).isZero();
        } else {
          double bound = 1 / Math.sqrt(p.value().getShape().get(1)); // kaiming_uniform_(a=sqrt(5))
          assertThat(Fixtures.maxAbs(v)).isLessThanOrEqualTo(bound).isGreaterThan(0.8 * bound);
        }
        assertThat(p.value().hasGradient()).isTrue();
      }
      assertThat(a.parameters().get(0).value().toFloatArray())
          .containsExactly(same.parameters().get(0).value().toFloatArray());
      assertThat(a.pair(0, Projection.K_PROJ)).isNull();
    }
  }

  @Test
  void saveWritesPeftsKeysAndLoadsBack(@TempDir Path dir) throws Exception {
    try (NDManager m = NDManager.newBaseManager()) {
      LoraAdapter peft = PeftFormat.load(Fixtures.path("lora-adapter"), TINY, m);
      PeftFormat.save(peft, dir);
      JsonNode ours = Jsonl.MAPPER.readTree(dir.resolve(PeftFormat.CONFIG).toFile());
      JsonNode theirs =
          Jsonl.MAPPER.readTree(Fixtures.path("lora-adapter").resolve(PeftFormat.CONFIG).toFile());
      for (Iterator<String> it = ours.fieldNames(); it.hasNext(); ) {
        String k = it.next();
        assertThat(theirs.has(k)).as("PEFT writes %s", k).isTrue();
      }
      assertThat(ours.get("r")).isEqualTo(theirs.get("r"));
      assertThat(ours.get("lora_alpha")).isEqualTo(theirs.get("lora_alpha"));
      LoraAdapter back = PeftFormat.load(dir, TINY, m);
      List<Parameter> a = peft.parameters();
      List<Parameter> b = back.parameters();
      assertThat(b).hasSize(a.size());
      for (int i = 0; i < a.size(); i++) {
        assertThat(b.get(i).name()).isEqualTo(a.get(i).name());
        assertThat(b.get(i).value().toFloatArray())
            .containsExactly(a.get(i).value().toFloatArray());
      }
    }
  }

  @Test
  void refusesWhatItDoesNotCompute(@TempDir Path dir) throws Exception {
    Path src = Fixtures.path("lora-adapter");
    Files.copy(src.resolve(PeftFormat.WEIGHTS), dir.resolve(PeftFormat.WEIGHTS));
    ObjectNode config = (ObjectNode) Jsonl.MAPPER.readTree(src.resolve(PeftFormat.CONFIG).toFile());
    try (NDManager m = NDManager.newBaseManager()) {
      ObjectNode dora = config.deepCopy().put("use_dora", true);
      Files.writeString(dir.resolve(PeftFormat.CONFIG), dora.toString());
      assertThatThrownBy(() -> PeftFormat.load(dir, TINY, m))
          .isInstanceOf(BadInputException.class)
          .hasMessageContaining("use_dora");
      ObjectNode rank = config.deepCopy().put("r", 8);
      Files.writeString(dir.resolve(PeftFormat.CONFIG), rank.toString());
      assertThatThrownBy(() -> PeftFormat.load(dir, TINY, m))
          .hasMessageContaining("has shape [4, 96], expected [8, 96] (r=8)");
      ObjectNode fewer = config.deepCopy();
      fewer.putArray("target_modules").add("q_proj");
      Files.writeString(dir.resolve(PeftFormat.CONFIG), fewer.toString());
      assertThatThrownBy(() -> PeftFormat.load(dir, TINY, m))
          .hasMessageContaining("target_modules lists");
      ObjectNode rslora = config.deepCopy().put("use_rslora", true);
      Files.writeString(dir.resolve(PeftFormat.CONFIG), rslora.toString());
      try (LoraAdapter a = PeftFormat.load(dir, TINY, m)) {
        assertThat(a.scaling()).isEqualTo(8 / 2.0);
      }
    }
  }

  @Test
  void gradientsCanBeZeroed() {
    try (NDManager m = NDManager.newBaseManager();
        LoraAdapter a = PeftFormat.load(Fixtures.path("lora-adapter"), TINY, m)) {
      NDArray p = a.parameters().get(0).value();
      p.getGradient().addi(1);
      a.zeroGradients();
      assertThat(Fixtures.maxAbs(p.getGradient().toFloatArray())).isZero();
    }
  }
}
