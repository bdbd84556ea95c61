package io.tunecard.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.AtomicFiles;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The architecture of a Llama-family causal LM as a Hugging Face {@code config.json} describes it
 * ({@code model_type} mistral or llama). Reads what transformers 4.x writes (top-level {@code
 * rope_theta}) and what 5.x writes ({@code rope_parameters.rope_theta}); anything this
 * implementation does not compute (RoPE scaling, partial rotary, biases, activations other than
 * SiLU) is refused with an error naming the key.
 *
 * @param headDim per-head width; may differ from {@code hiddenSize / numAttentionHeads}
 * @param eosTokenIds one or more end-of-sequence ids (a list in some configs)
 * @param padTokenId null when the config names none
 * @param slidingWindow null for full attention (Mistral v0.3); else a query attends only to the
 *     last {@code slidingWindow} positions, as transformers' sliding-window mask does
 */
public record MistralConfig(
    String modelType,
    int vocabSize,
    int hiddenSize,
    int intermediateSize,
    int numHiddenLayers,
    int numAttentionHeads,
    int numKeyValueHeads,
    int headDim,
    double rmsNormEps,
    double ropeTheta,
    int maxPositionEmbeddings,
    boolean tieWordEmbeddings,
    Integer bosTokenId,
    List<Integer> eosTokenIds,
    Integer padTokenId,
    Integer slidingWindow) {

  public static final String FILE = "config.json";
  private static final Set<String> MODEL_TYPES = Set.of("mistral", "llama");

  public MistralConfig {
    if (!MODEL_TYPES.contains(modelType)) {
      throw new IllegalArgumentException(
          "model_type: expected mistral or llama, found '" + modelType + "'");
    }
    positive("vocab_size", vocabSize);
    positive("hidden_size", hiddenSize);
    positive("intermediate_size", intermediateSize);
    positive("num_hidden_layers", numHiddenLayers);
    positive("num_attention_heads", numAttentionHeads);
    positive("num_key_value_heads", numKeyValueHeads);
    positive("head_dim", headDim);
    positive("max_position_embeddings", maxPositionEmbeddings);
    if (numAttentionHeads % numKeyValueHeads != 0) {
      throw new IllegalArgumentException(
          "num_key_value_heads: must divide num_attention_heads ("
              + numAttentionHeads
              + "), found "
              + numKeyValueHeads);
    }
    if (headDim % 2 != 0) {
      throw new IllegalArgumentException("head_dim: must be even for rotary embeddings");
    }
    if (!(rmsNormEps > 0 && rmsNormEps < 1)) {
      throw new IllegalArgumentException("rms_norm_eps: expected (0, 1), found " + rmsNormEps);
    }
    if (!(ropeTheta > 0)) {
      throw new IllegalArgumentException("rope_theta: expected > 0, found " + ropeTheta);
    }
    eosTokenIds = List.copyOf(eosTokenIds == null ? List.of() : eosTokenIds);
    for (Integer id : eosTokenIds) {
      tokenId("eos_token_id", id, vocabSize);
    }
    if (bosTokenId != null) {
      tokenId("bos_token_id", bosTokenId, vocabSize);
    }
    if (padTokenId != null) {
      tokenId("pad_token_id", padTokenId, vocabSize);
    }
    if (slidingWindow != null) {
      positive("sliding_window", slidingWindow);
    }
  }

  /** A Mistral-architecture config with full attention, for bases tunecard makes itself. */
  public static MistralConfig mistral(
      int vocabSize,
      int hiddenSize,
      int intermediateSize,
      int layers,
      int heads,
      int kvHeads,
      int headDim,
      double rmsNormEps,
      double ropeTheta,
      int maxPositions,
      int bos,
      int eos,
      Integer pad) {
    return new MistralConfig(
        "mistral",
        vocabSize,
        hiddenSize,
        intermediateSize,
        layers,
        heads,
        kvHeads,
        headDim,
        rmsNormEps,
        ropeTheta,
        maxPositions,
        false,
        bos,
        List.of(eos),
        pad,
        null);
  }

  private static void positive(String key, int v) {
    if (v < 1) {
      throw new IllegalArgumentException(key + ": expected >= 1, found " + v);
    }
  }

  private static void tokenId(String key, int id, int vocab) {
    if (id < 0 || id >= vocab) {
      throw new IllegalArgumentException(
          key + ": " + id + " is outside the vocabulary [0, " + vocab + ")");
    }
  }

  /** The same architecture with another sliding window (null: full attention). */
  public MistralConfig withSlidingWindow(Integer window) {
    return new MistralConfig(
        modelType,
        vocabSize,
        hiddenSize,
        intermediateSize,
        numHiddenLayers,
        numAttentionHeads,
        numKeyValueHeads,
        headDim,
        rmsNormEps,
        ropeTheta,
        maxPositionEmbeddings,
        tieWordEmbeddings,
        bosTokenId,
        eosTokenIds,
        padTokenId,
        window);
  }

  public int queriesPerKv() {
    return numAttentionHeads / numKeyValueHeads;
  }

  /** Reads {@code dir/config.json} (or the file itself); errors name the file and the key. */
  public static MistralConfig read(Path dirOrFile) {
    Path file = Files.isDirectory(dirOrFile) ? dirOrFile.resolve(FILE) : dirOrFile;
    JsonNode root;
    try {
      root = Jsonl.MAPPER.readTree(file.toFile());
    } catch (IOException e) {
      throw new BadInputException(file + ": cannot read model config (" + e.getMessage() + ")", e);
    }
    if (root == null || !root.isObject()) {
      throw new BadInputException(file + ": expected a JSON object");
    }
    try {
      return parse(root);
    } catch (IllegalArgumentException e) {
      throw new BadInputException(file + ": " + e.getMessage(), e);
    }
  }

  /** Builds a config from a parsed {@code config.json}; errors name the key. */
  public static MistralConfig parse(JsonNode c) {
    String type = c.path("model_type").asText("");
    String act = c.path("hidden_act").asText("silu");
    if (!act.equals("silu")) {
      throw new IllegalArgumentException(
          "hidden_act: only silu is implemented, found '" + act + "'");
    }
    for (String bias : List.of("attention_bias", "mlp_bias")) {
      if (c.path(bias).asBoolean(false)) {
        throw new IllegalArgumentException(bias + ": biases are not implemented (expected false)");
      }
    }
    if (c.path("pretraining_tp").asInt(1) != 1) {
      throw new IllegalArgumentException("pretraining_tp: only 1 is implemented");
    }
    int hidden = required(c, "hidden_size");
    int heads = required(c, "num_attention_heads");
    JsonNode headDim = c.path("head_dim");
    JsonNode kv = c.path("num_key_value_heads");
    return new MistralConfig(
        type,
        required(c, "vocab_size"),
        hidden,
        required(c, "intermediate_size"),
        required(c, "num_hidden_layers"),
        heads,
        kv.isNumber() ? kv.asInt() : heads,
        headDim.isNumber() ? headDim.asInt() : hidden / heads,
        c.path("rms_norm_eps").asDouble(1e-6),
        ropeTheta(c),
        c.path("max_position_embeddings").asInt(4096 * 32),
        c.path("tie_word_embeddings").asBoolean(false),
        optionalInt(c, "bos_token_id"),
        ids(c.path("eos_token_id")),
        optionalInt(c, "pad_token_id"),
        optionalInt(c, "sliding_window"));
  }

  private static double ropeTheta(JsonNode c) {
    JsonNode params = c.path("rope_parameters");
    JsonNode scaling = c.path("rope_scaling");
    if (params.isObject()) {
      checkRopeType("rope_parameters", params);
      if (!params.path("rope_theta").isNumber()) {
        throw new IllegalArgumentException(
            "rope_parameters.rope_theta: expected a number (per-layer-type RoPE is not implemented)");
      }
      if (params.has("partial_rotary_factor")
          && params.path("partial_rotary_factor").asDouble() != 1.0) {
        throw new IllegalArgumentException(
            "rope_parameters.partial_rotary_factor: only 1.0 is implemented");
      }
      return params.path("rope_theta").asDouble();
    }
    if (scaling.isObject()) {
      checkRopeType("rope_scaling", scaling);
    }
    return c.path("rope_theta").asDouble(10000.0);
  }

  private static void checkRopeType(String key, JsonNode node) {
    String type = node.path("rope_type").asText(node.path("type").asText("default"));
    if (!type.equals("default")) {
      throw new IllegalArgumentException(
          key + ".rope_type: '" + type + "' is not implemented (only default RoPE)");
    }
  }

  private static int required(JsonNode c, String key) {
    JsonNode v = c.path(key);
    if (!v.isIntegralNumber()) {
      throw new IllegalArgumentException(
          key + ": required integer, found " + (v.isMissingNode() ? "nothing" : v));
    }
    return v.asInt();
  }

  private static Integer optionalInt(JsonNode c, String key) {
    JsonNode v = c.path(key);
    if (v.isMissingNode() || v.isNull()) {
      return null;
    }
    if (!v.isIntegralNumber()) {
      throw new IllegalArgumentException(key + ": expected an integer or null, found " + v);
    }
    return v.asInt();
  }

  private static List<Integer> ids(JsonNode v) {
    List<Integer> out = new ArrayList<>();
    if (v.isIntegralNumber()) {
      out.add(v.asInt());
    } else if (v.isArray()) {
      for (JsonNode n : v) {
        if (!n.isIntegralNumber()) {
          throw new IllegalArgumentException("eos_token_id: expected integers, found " + v);
        }
        out.add(n.asInt());
      }
    } else if (!v.isMissingNode() && !v.isNull()) {
      throw new IllegalArgumentException("eos_token_id: expected an integer or a list, found " + v);
    }
    return out;
  }

  /**
   * Fails when the model would be asked for more positions than it implements: with a sliding
   * window it is exact only while sequences fit the window (the mask implements the window, the KV
   * cache keeps every position).
   */
  public void checkSequenceLength(int positions) {
    if (positions > maxPositionEmbeddings) {
      throw new IllegalArgumentException(
          positions + " positions exceed max_position_embeddings " + maxPositionEmbeddings);
    }
  }

  /** The config as transformers writes it (keys sorted), readable by 4.x and 5.x. */
  public ObjectNode toJson(String torchDtype) {
    ObjectNode o = Jsonl.MAPPER.createObjectNode();
    boolean llama = modelType.equals("llama");
    o.putArray("architectures").add(llama ? "LlamaForCausalLM" : "MistralForCausalLM");
    if (llama) {
      o.put("attention_bias", false);
    }
    o.put("attention_dropout", 0.0);
    putId(o, "bos_token_id", bosTokenId);
    o.put("dtype", torchDtype);
    if (eosTokenIds.size() == 1) {
      o.put("eos_token_id", eosTokenIds.get(0));
    } else {
      ArrayNode eos = o.putArray("eos_token_id");
      eosTokenIds.forEach(eos::add);
    }
    o.put("head_dim", headDim);
    o.put("hidden_act", "silu");
    o.put("hidden_size", hiddenSize);
    o.put("initializer_range", 0.02);
    o.put("intermediate_size", intermediateSize);
    o.put("max_position_embeddings", maxPositionEmbeddings);
    if (llama) {
      o.put("mlp_bias", false);
    }
    o.put("model_type", modelType);
    o.put("num_attention_heads", numAttentionHeads);
    o.put("num_hidden_layers", numHiddenLayers);
    o.put("num_key_value_heads", numKeyValueHeads);
    putId(o, "pad_token_id", padTokenId);
    o.put("rms_norm_eps", rmsNormEps);
    ObjectNode rope = o.putObject("rope_parameters");
    rope.put("rope_theta", ropeTheta);
    rope.put("rope_type", "default");
    o.put("rope_theta", ropeTheta);
    if (!llama) {
      putId(o, "sliding_window", slidingWindow);
    }
    o.put("tie_word_embeddings", tieWordEmbeddings);
    o.put("torch_dtype", torchDtype);
    o.put("use_cache", true);
    o.put("vocab_size", vocabSize);
    return o;
  }

  private static void putId(ObjectNode o, String key, Integer v) {
    if (v == null) {
      o.putNull(key);
    } else {
      o.put(key, v);
    }
  }

  /** Writes {@code dir/config.json} atomically ({@code torchDtype} e.g. float32, bfloat16). */
  public void write(Path dir, String torchDtype) throws IOException {
    AtomicFiles.writeString(dir.resolve(FILE), Jsonl.pretty(toJson(torchDtype)));
  }

  /** Writes {@code dir/generation_config.json} with this config's special token ids. */
  public void writeGenerationConfig(Path dir) throws IOException {
    ObjectNode o = Jsonl.MAPPER.createObjectNode();
    putId(o, "bos_token_id", bosTokenId);
    if (eosTokenIds.size() == 1) {
      o.put("eos_token_id", eosTokenIds.get(0));
    } else {
      ArrayNode eos = o.putArray("eos_token_id");
      eosTokenIds.forEach(eos::add);
    }
    putId(o, "pad_token_id", padTokenId);
    AtomicFiles.writeString(dir.resolve("generation_config.json"), Jsonl.pretty(o));
  }
}
