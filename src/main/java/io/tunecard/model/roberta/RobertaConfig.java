package io.tunecard.model.roberta;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The {@code config.json} of a RoBERTa encoder (BERTScore's default model family): absolute
 * position embeddings offset by {@code pad_token_id} (RoBERTa's padding_idx), post-layer-norm
 * encoder layers, exact GELU.
 */
public record RobertaConfig(
    int vocabSize,
    int hiddenSize,
    int numHiddenLayers,
    int numAttentionHeads,
    int intermediateSize,
    int maxPositionEmbeddings,
    int typeVocabSize,
    int padTokenId,
    double layerNormEps) {

  public static final List<String> MODEL_TYPES = List.of("roberta", "xlm-roberta");

  public RobertaConfig {
    for (int v :
        new int[] {
          vocabSize,
          hiddenSize,
          numHiddenLayers,
          numAttentionHeads,
          intermediateSize,
          maxPositionEmbeddings,
          typeVocabSize
        }) {
      if (v < 1) {
        throw new IllegalArgumentException("roberta config: sizes must be >= 1, found " + v);
      }
    }
    if (hiddenSize % numAttentionHeads != 0) {
      throw new IllegalArgumentException(
          "num_attention_heads: must divide hidden_size " + hiddenSize);
    }
    if (padTokenId < 0 || padTokenId >= vocabSize) {
      throw new IllegalArgumentException("pad_token_id: outside the vocabulary");
    }
  }

  public int headDim() {
    return hiddenSize / numAttentionHeads;
  }

  /** The most tokens one sequence may have: positions start after padding_idx. */
  public int maxTokens() {
    return maxPositionEmbeddings - padTokenId - 1;
  }

  /** Reads {@code dir/config.json}; an unsupported variant is an error naming the key. */
  public static RobertaConfig read(Path dir) {
    Path file = dir.resolve("config.json");
    JsonNode c;
    try {
      c = Jsonl.readTree(file);
    } catch (IOException e) {
      throw new BadInputException(
          file + ": cannot read the encoder config (" + e.getMessage() + ")");
    }
    try {
      return parse(c);
    } catch (IllegalArgumentException e) {
      throw new BadInputException(file + ": " + e.getMessage(), e);
    }
  }

  static RobertaConfig parse(JsonNode c) {
    String type = c.path("model_type").asText("");
    if (!MODEL_TYPES.contains(type)) {
      throw new IllegalArgumentException(
          "model_type: expected one of " + MODEL_TYPES + ", found '" + type + "'");
    }
    String act = c.path("hidden_act").asText("gelu");
    if (!act.equals("gelu")) {
      throw new IllegalArgumentException("hidden_act: only gelu is implemented, found " + act);
    }
    String positions = c.path("position_embedding_type").asText("absolute");
    if (!positions.equals("absolute")) {
      throw new IllegalArgumentException(
          "position_embedding_type: only absolute is implemented, found " + positions);
    }
    return new RobertaConfig(
        required(c, "vocab_size"),
        required(c, "hidden_size"),
        required(c, "num_hidden_layers"),
        required(c, "num_attention_heads"),
        required(c, "intermediate_size"),
        required(c, "max_position_embeddings"),
        c.path("type_vocab_size").asInt(1),
        c.path("pad_token_id").asInt(1),
        c.path("layer_norm_eps").asDouble(1e-5));
  }

  private static int required(JsonNode c, String key) {
    if (!c.path(key).isInt()) {
      throw new IllegalArgumentException(key + ": expected an integer");
    }
    return c.get(key).asInt();
  }

  static boolean exists(Path dir) {
    return Files.isRegularFile(dir.resolve("config.json"));
  }
}
