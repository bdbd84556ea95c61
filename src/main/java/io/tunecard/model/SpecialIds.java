package io.tunecard.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.files.BadInputException;
import io.tunecard.tokenize.TokenizerConfig;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The special ids training and generation need, found the same way by both engines (the worker's
 * {@code modeling.special_ids}): each is config.json's id ({@code bos_token_id}, every id of {@code
 * eos_token_id}, {@code pad_token_id}); where the config names none, the id of the token that
 * tokenizer_config.json names ({@code bos_token}, ...), else of {@code <s>}, {@code </s>}, {@code
 * <pad>}; a token's id is its added token's, else its vocabulary entry's. pad falls back to the
 * first eos.
 *
 * @param eos every id that ends an answer (a config may list several)
 * @param pad what finished or padded rows are fed
 */
public record SpecialIds(long bos, long[] eos, long pad) implements Serializable {
  public SpecialIds {
    if (eos == null || eos.length == 0) {
      throw new IllegalArgumentException("eos: expected at least one end-of-sequence id");
    }
    eos = eos.clone();
  }

  public boolean isEos(long token) {
    for (long e : eos) {
      if (e == token) {
        return true;
      }
    }
    return false;
  }

  /** The ids by the rule in the class comment; {@code tokenizer} may be null. */
  public static SpecialIds resolve(
      MistralConfig config, TokenizerConfig tc, JsonNode tokenizer, Path tokenizerFile) {
    Long bos =
        config.bosTokenId() != null
            ? Long.valueOf(config.bosTokenId())
            : firstId(tokenizer, tc.bosToken(), "<s>");
    List<Long> eos = new ArrayList<>();
    config.eosTokenIds().forEach(e -> eos.add((long) e));
    if (eos.isEmpty()) {
      Long e = firstId(tokenizer, tc.eosToken(), "</s>");
      if (e != null) {
        eos.add(e);
      }
    }
    if (bos == null || eos.isEmpty()) {
      throw new BadInputException(
          (tokenizerFile == null ? "the model" : tokenizerFile.toString())
              + ": the model's config.json names no "
              + (bos == null ? "bos_token_id" : "eos_token_id")
              + " and the tokenizer has no "
              + (bos == null ? "bos_token or <s>" : "eos_token or </s>")
              + " token");
    }
    Long pad =
        config.padTokenId() != null
            ? Long.valueOf(config.padTokenId())
            : firstId(tokenizer, tc.padToken(), "<pad>");
    return new SpecialIds(
        bos, eos.stream().mapToLong(Long::longValue).toArray(), pad != null ? pad : eos.get(0));
  }

  private static Long firstId(JsonNode tokenizer, String named, String fallback) {
    Long id = named == null ? null : idOf(tokenizer, named);
    return id != null ? id : idOf(tokenizer, fallback);
  }

  /**
   * The id of {@code token} among a tokenizer.json's added tokens or in its vocabulary, or null.
   */
  public static Long idOf(JsonNode tokenizer, String token) {
    if (tokenizer == null || token == null) {
      return null;
    }
    for (JsonNode t : tokenizer.path("added_tokens")) {
      if (token.equals(t.path("content").asText(null))) {
        return t.path("id").asLong();
      }
    }
    JsonNode vocab = tokenizer.path("model").path("vocab");
    if (vocab.isObject() && vocab.has(token)) {
      return vocab.get(token).asLong();
    }
    if (vocab.isArray()) { // Unigram: [[piece, score], ...]
      for (int i = 0; i < vocab.size(); i++) {
        if (token.equals(vocab.get(i).path(0).asText(null))) {
          return (long) i;
        }
      }
    }
    return null;
  }

  /** The token whose id is {@code id} (added tokens first, then the vocabulary), or null. */
  public static String tokenOf(JsonNode tokenizer, long id) {
    if (tokenizer == null) {
      return null;
    }
    for (JsonNode t : tokenizer.path("added_tokens")) {
      if (t.path("id").asLong(-1) == id) {
        return t.path("content").asText(null);
      }
    }
    JsonNode vocab = tokenizer.path("model").path("vocab");
    if (vocab.isObject()) {
      var it = vocab.fields();
      while (it.hasNext()) {
        var e = it.next();
        if (e.getValue().asLong(-1) == id) {
          return e.getKey();
        }
      }
    } else if (vocab.isArray() && id >= 0 && id < vocab.size()) {
      return vocab.get((int) id).path(0).asText(null);
    }
    return null;
  }
}
