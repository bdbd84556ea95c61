package io.tunecard.train;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.tunecard.files.BadInputException;
import io.tunecard.model.MistralConfig;
import java.nio.file.Path;

/**
 * The ids the chat template and batching need: {@code bos_token_id}, {@code eos_token_id} and
 * {@code pad_token_id} of the base's config.json; where the config names none, the ids of {@code
 * <s>}, {@code </s>} and {@code <pad>} in the tokenizer; pad falls back to eos (the hf worker's
 * rule).
 */
record SpecialIds(int bos, int eos, int pad) {

  static SpecialIds of(MistralConfig config, HuggingFaceTokenizer tokenizer, Path tokenizerFile) {
    Integer bos = config.bosTokenId();
    if (bos == null) {
      bos = idOf(tokenizer, "<s>");
    }
    Integer eos =
        config.eosTokenIds().isEmpty() ? idOf(tokenizer, "</s>") : config.eosTokenIds().get(0);
    Integer pad = config.padTokenId();
    if (pad == null) {
      pad = idOf(tokenizer, "<pad>");
    }
    if (pad == null) {
      pad = eos;
    }
    if (bos == null || eos == null) {
      throw new BadInputException(
          tokenizerFile
              + ": the base's config.json names no "
              + (bos == null ? "bos_token_id" : "eos_token_id")
              + " and the tokenizer has no "
              + (bos == null ? "<s>" : "</s>")
              + " token");
    }
    return new SpecialIds(bos, eos, pad);
  }

  /** The id of a token that the tokenizer knows as one piece, or null. */
  private static Integer idOf(HuggingFaceTokenizer tokenizer, String token) {
    long[] ids = tokenizer.encode(token, false, false).getIds();
    if (ids.length != 1) {
      return null;
    }
    String back = tokenizer.decode(ids, false);
    return token.equals(back) ? Math.toIntExact(ids[0]) : null;
  }
}
