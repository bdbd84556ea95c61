package io.tunecard.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MistralConfigTest {
  private static ObjectNode mistral7bV03() throws Exception {
    // Mistral-7B-Instruct-v0.3's config.json as transformers 4.x wrote it.
    return (ObjectNode)
        Jsonl.MAPPER.readTree(
            "{\"architectures\":[\"MistralForCausalLM\"],\"attention_dropout\":0.0,\"bos_token_id\":1,"
                + "\"eos_token_id\":2,\"hidden_act\":\"silu\",\"hidden_size\":4096,\"initializer_range\":0.02,"
                + "\"intermediate_size\":14336,\"max_position_embeddings\":32768,\"model_type\":\"mistral\","
                + "\"num_attention_heads\":32,\"num_hidden_layers\":32,\"num_key_value_heads\":8,"
                + "\"rms_norm_eps\":1e-05,\"rope_theta\":1000000.0,\"sliding_window\":null,"
                + "\"tie_word_embeddings\":false,\"torch_dtype\":\"bfloat16\",\"transformers_version\":\"4.42.0.dev0\","
                + "\"use_cache\":true,\"vocab_size\":32768}");
  }

  @Test
  void readsTransformers4LayoutWithDefaults() throws Exception {
    MistralConfig c = MistralConfig.parse(mistral7bV03());
    assertThat(c.headDim()).isEqualTo(128);
    assertThat(c.ropeTheta()).isEqualTo(1e6);
    assertThat(c.queriesPerKv()).isEqualTo(4);
    assertThat(c.slidingWindow()).isNull();
    assertThat(c.padTokenId()).isNull();
  }

  @Test
  void readsLlamaWithEosListAndRefusesWhatItDoesNotCompute() throws Exception {
    ObjectNode llama = mistral7bV03();
    llama.put("model_type", "llama");
    llama.putArray("eos_token_id").add(2).add(7);
    assertThat(MistralConfig.parse(llama).eosTokenIds()).containsExactly(2, 7);

    ObjectNode scaled = llama.deepCopy();
    scaled.putObject("rope_scaling").put("rope_type", "llama3").put("factor", 8.0);
    assertThatThrownBy(() -> MistralConfig.parse(scaled))
        .hasMessageContaining("rope_scaling.rope_type: 'llama3' is not implemented");
    ObjectNode v5 = llama.deepCopy();
    v5.putObject("rope_parameters").put("rope_type", "yarn").put("rope_theta", 1e4);
    assertThatThrownBy(() -> MistralConfig.parse(v5))
        .hasMessageContaining("rope_parameters.rope_type: 'yarn'");
    ObjectNode gelu = llama.deepCopy();
    gelu.put("hidden_act", "gelu");
    assertThatThrownBy(() -> MistralConfig.parse(gelu)).hasMessageContaining("hidden_act");
    ObjectNode bias = llama.deepCopy();
    bias.put("attention_bias", true);
    assertThatThrownBy(() -> MistralConfig.parse(bias)).hasMessageContaining("attention_bias");
    ObjectNode gpt = llama.deepCopy();
    gpt.put("model_type", "gpt2");
    assertThatThrownBy(() -> MistralConfig.parse(gpt))
        .hasMessageContaining("model_type: expected mistral or llama, found 'gpt2'");
    ObjectNode kv = llama.deepCopy();
    kv.put("num_key_value_heads", 5);
    assertThatThrownBy(() -> MistralConfig.parse(kv)).hasMessageContaining("num_key_value_heads");
  }

  @Test
  void writesWhatItReadsAndErrorsNameTheFile(@TempDir Path dir) throws Exception {
    MistralConfig c = MistralConfig.read(Fixtures.path("tiny-mistral"));
    c.write(dir, "float32");
    assertThat(MistralConfig.read(dir)).isEqualTo(c);
    ObjectNode json = (ObjectNode) Jsonl.MAPPER.readTree(dir.resolve("config.json").toFile());
    assertThat(json.get("rope_parameters").get("rope_theta").asDouble()).isEqualTo(10000.0);
    assertThat(json.get("head_dim").asInt()).isEqualTo(24);
    json.remove("hidden_size");
    Files.writeString(dir.resolve("config.json"), json.toString());
    assertThatThrownBy(() -> MistralConfig.read(dir))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("config.json")
        .hasMessageContaining("hidden_size: required integer");
  }
}
