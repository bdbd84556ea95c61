package io.tunecard.tokenize;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A trained byte-level BPE vocabulary: the special tokens first, then the 256 byte tokens, then the
 * tokens made by merges; and the merges in the order they were learned (their rank).
 *
 * @param vocab token strings by id, in byte-level characters (specials as they are written)
 * @param merges merge rules by rank
 * @param specials the special tokens, which are the first ids of {@code vocab}
 */
public record BpeModel(List<String> vocab, List<Merge> merges, List<String> specials) {
  /** Merge rule: tokens {@code left} and {@code right} make token {@code result}. */
  public record Merge(int left, int right, int result) {}

  public BpeModel {
    vocab = List.copyOf(vocab);
    merges = List.copyOf(merges);
    specials = List.copyOf(specials);
    Map<String, Integer> seen = new HashMap<>();
    for (int id = 0; id < vocab.size(); id++) {
      Integer before = seen.putIfAbsent(vocab.get(id), id);
      if (before != null) {
        throw new IllegalArgumentException(
            "vocab: token '" + vocab.get(id) + "' has two ids, " + before + " and " + id);
      }
    }
    for (int i = 0; i < specials.size(); i++) {
      if (i >= vocab.size() || !vocab.get(i).equals(specials.get(i))) {
        throw new IllegalArgumentException(
            "vocab: expected special token '" + specials.get(i) + "' at id " + i);
      }
    }
    for (int b = 0; b < 256; b++) {
      int id = specials.size() + b;
      if (id >= vocab.size() || !vocab.get(id).equals(String.valueOf(ByteLevel.charOf(b)))) {
        throw new IllegalArgumentException(
            "vocab: expected the token of byte " + b + " at id " + id);
      }
    }
    for (int r = 0; r < merges.size(); r++) {
      Merge m = merges.get(r);
      if (!valid(m.left, vocab) || !valid(m.right, vocab) || !valid(m.result, vocab)) {
        throw new IllegalArgumentException("merges[" + r + "]: token id out of range");
      }
      if (!vocab.get(m.result).equals(vocab.get(m.left) + vocab.get(m.right))) {
        throw new IllegalArgumentException(
            "merges["
                + r
                + "]: '"
                + vocab.get(m.left)
                + "' + '"
                + vocab.get(m.right)
                + "' is not token "
                + m.result);
      }
    }
  }

  /** The id of byte b's token. */
  public int byteId(int b) {
    return specials.size() + (b & 0xFF);
  }

  public int size() {
    return vocab.size();
  }

  private static boolean valid(int id, List<String> vocab) {
    return id >= 0 && id < vocab.size();
  }
}
