package io.tunecard.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.Jsonl;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Hugging Face {@code tokenizer.json} form of a {@link BpeModel}: a BPE model with byte-level
 * pre-tokenizer and decoder ({@code add_prefix_space: false}), no normalizer and no post-processor
 * (the chat template adds {@code <s>} and {@code </s>} itself), and the special tokens as added
 * tokens with {@code special: true}. Key names are the library's, verbatim.
 */
public final class TokenizerJson {
  private TokenizerJson() {}

  /** The file's text; the same model always gives the same bytes. */
  public static String write(BpeModel model) {
    ObjectNode root = Jsonl.MAPPER.createObjectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    ArrayNode added = root.putArray("added_tokens");
    for (int id = 0; id < model.specials().size(); id++) {
      ObjectNode t = added.addObject();
      t.put("id", id);
      t.put("content", model.specials().get(id));
      t.put("single_word", false);
      t.put("lstrip", false);
      t.put("rstrip", false);
      t.put("normalized", false);
      t.put("special", true);
    }
    root.putNull("normalizer");
    byteLevel(root.putObject("pre_tokenizer"));
    root.putNull("post_processor");
    byteLevel(root.putObject("decoder"));
    ObjectNode bpe = root.putObject("model");
    bpe.put("type", "BPE");
    bpe.putNull("dropout");
    bpe.putNull("unk_token");
    bpe.putNull("continuing_subword_prefix");
    bpe.putNull("end_of_word_suffix");
    bpe.put("fuse_unk", false);
    bpe.put("byte_fallback", false);
    bpe.put("ignore_merges", false);
    ObjectNode vocab = bpe.putObject("vocab");
    for (int id = 0; id < model.size(); id++) {
      vocab.put(model.vocab().get(id), id);
    }
    ArrayNode merges = bpe.putArray("merges");
    for (BpeModel.Merge m : model.merges()) {
      // "left right": byte-level tokens never hold a space, so the split is unambiguous.
      merges.add(model.vocab().get(m.left()) + " " + model.vocab().get(m.right()));
    }
    return Jsonl.pretty(root);
  }

  private static void byteLevel(ObjectNode node) {
    node.put("type", "ByteLevel");
    node.put("add_prefix_space", false);
    node.put("trim_offsets", true);
    node.put("use_regex", true);
  }

  /**
   * Reads a file tunecard wrote back into a model; anything else is an {@link
   * IllegalArgumentException} naming the key that differs.
   */
  public static BpeModel read(JsonNode root) {
    JsonNode model = require(root, "model");
    if (!"BPE".equals(model.path("type").asText())) {
      throw new IllegalArgumentException(
          "model.type: expected \"BPE\", found " + model.path("type"));
    }
    if (!"ByteLevel".equals(root.path("pre_tokenizer").path("type").asText())
        || root.path("pre_tokenizer").path("add_prefix_space").asBoolean(true)) {
      throw new IllegalArgumentException(
          "pre_tokenizer: expected ByteLevel with add_prefix_space false, found "
              + root.path("pre_tokenizer"));
    }
    JsonNode vocabNode = require(model, "vocab");
    String[] vocab = new String[vocabNode.size()];
    vocabNode
        .fields()
        .forEachRemaining(
            e -> {
              int id = e.getValue().asInt(-1);
              if (id < 0 || id >= vocab.length || vocab[id] != null) {
                throw new IllegalArgumentException(
                    "model.vocab: token '"
                        + e.getKey()
                        + "' has a bad or repeated id "
                        + e.getValue());
              }
              vocab[id] = e.getKey();
            });
    Map<String, Integer> idOf = new HashMap<>();
    for (int id = 0; id < vocab.length; id++) {
      idOf.put(vocab[id], id);
    }
    List<String> specials = new ArrayList<>();
    for (JsonNode t : require(root, "added_tokens")) {
      if (t.path("id").asInt(-1) != specials.size()) {
        throw new IllegalArgumentException(
            "added_tokens: expected ids 0, 1, 2, ... in order, found " + t.path("id"));
      }
      specials.add(t.path("content").asText());
    }
    List<BpeModel.Merge> merges = new ArrayList<>();
    JsonNode mergesNode = require(model, "merges");
    for (int r = 0; r < mergesNode.size(); r++) {
      JsonNode m = mergesNode.get(r);
      String left;
      String right;
      if (m.isArray() && m.size() == 2) {
        left = m.get(0).asText();
        right = m.get(1).asText();
      } else {
        String[] parts = m.asText().split(" ", -1);
        if (parts.length != 2) {
          throw new IllegalArgumentException("model.merges[" + r + "]: expected \"left right\"");
        }
        left = parts[0];
        right = parts[1];
      }
      Integer l = idOf.get(left);
      Integer rt = idOf.get(right);
      Integer res = idOf.get(left + right);
      if (l == null || rt == null || res == null) {
        throw new IllegalArgumentException(
            "model.merges[" + r + "]: '" + left + " " + right + "' uses tokens not in the vocab");
      }
      merges.add(new BpeModel.Merge(l, rt, res));
    }
    return new BpeModel(List.of(vocab), merges, specials);
  }

  private static JsonNode require(JsonNode node, String key) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) {
      throw new IllegalArgumentException(key + ": missing");
    }
    return v;
  }
}
