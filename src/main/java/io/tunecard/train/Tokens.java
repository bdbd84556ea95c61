package io.tunecard.train;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.util.ArrayList;
import java.util.List;

/** Plain {@code enc(text)}: the tokenizer's ids of each text, no special ids added. */
final class Tokens {
  private static final int CHUNK = 1024;

  private Tokens() {}

  /** The ids of each text, in batch calls of the Rust library. */
  static List<int[]> encode(HuggingFaceTokenizer tokenizer, List<String> texts) {
    List<int[]> out = new ArrayList<>(texts.size());
    for (int from = 0; from < texts.size(); from += CHUNK) {
      Encoding[] enc =
          tokenizer.batchEncode(
              texts.subList(from, Math.min(texts.size(), from + CHUNK)), false, false);
      for (Encoding e : enc) {
        long[] id = e.getIds();
        int[] narrow = new int[id.length];
        for (int k = 0; k < id.length; k++) {
          narrow[k] = Math.toIntExact(id[k]);
        }
        out.add(narrow);
      }
    }
    return out;
  }
}
