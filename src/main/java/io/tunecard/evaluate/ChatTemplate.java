package io.tunecard.evaluate;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import io.tunecard.model.MistralConfig;
import io.tunecard.tokenize.TokenizerFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code mistral-inst} chat template in token ids, the rule both engines share
 * (docs/worker-protocol-python.md), with {@code enc(text)} the ids of the model's tokenizer.json
 * without special tokens added:
 *
 * <pre>
 *   prompt = [bos] + enc("[INST] " + question + " [/INST]")
 *   answer = enc(" " + answer) + [eos]
 * </pre>
 *
 * and the answer text of generated ids: decoded without special tokens, then stripped of
 * surrounding whitespace as Python's {@code str.strip()} does. bos, eos and pad come from the
 * model's config.json; where it names none, from the ids of {@code <s>}, {@code </s>}, {@code
 * <pad>} in the tokenizer (pad falls back to eos).
 */
public final class ChatTemplate implements AutoCloseable {
  private final HuggingFaceTokenizer tokenizer;
  private final SpecialIds ids;

  private ChatTemplate(HuggingFaceTokenizer tokenizer, SpecialIds ids) {
    this.tokenizer = tokenizer;
    this.ids = ids;
  }

  /** Loads {@code tokenizerJson} (a missing or unreadable file is an error naming it). */
  public static ChatTemplate load(Path tokenizerJson, MistralConfig config) {
    SpecialIds ids = specialIds(config, tokenizerJson);
    return new ChatTemplate(TokenizerFiles.load(tokenizerJson), ids);
  }

  public SpecialIds ids() {
    return ids;
  }

  public long[] prompt(String question) {
    long[] text = encode("[INST] " + question + " [/INST]");
    long[] out = new long[text.length + 1];
    out[0] = ids.bos();
    System.arraycopy(text, 0, out, 1, text.length);
    return out;
  }

  /** The answer ids the loss is taken on, EOS last. */
  public long[] answer(String answer) {
    long[] text = encode(" " + answer);
    long[] out = java.util.Arrays.copyOf(text, text.length + 1);
    out[text.length] = ids.eos()[0];
    return out;
  }

  public long[] encode(String text) {
    return tokenizer.encode(text, false, false).getIds();
  }

  /** The answer text of generated ids (EOS already cut off). */
  public String decode(long[] tokens) {
    return pythonStrip(tokenizer.decode(tokens, true));
  }

  /**
   * A prompt that fits {@code max} positions: longer ones keep their first id (bos) and their last
   * {@code max - 1} ids, as the hf engine does, so the question's end and {@code [/INST]} stay.
   */
  public static long[] fit(long[] prompt, int max) {
    if (prompt.length <= max) {
      return prompt;
    }
    long[] out = new long[max];
    out[0] = prompt[0];
    System.arraycopy(prompt, prompt.length - max + 1, out, 1, max - 1);
    return out;
  }

  /**
   * bos, eos (all of the config's) and pad, by the rule in the class comment; {@code tokenizerJson}
   * may be null or missing when the config names them all.
   */
  public static SpecialIds specialIds(MistralConfig config, Path tokenizerJson) {
    JsonNode root = null;
    boolean incomplete =
        config.bosTokenId() == null
            || config.eosTokenIds().isEmpty()
            || config.padTokenId() == null;
    if (incomplete && tokenizerJson != null && java.nio.file.Files.isRegularFile(tokenizerJson)) {
      try {
        root = Jsonl.readTree(tokenizerJson);
      } catch (IOException e) {
        throw new BadInputException(
            tokenizerJson + ": cannot read the tokenizer (" + e.getMessage() + ")", e);
      }
    }
    Long bos = config.bosTokenId() != null ? Long.valueOf(config.bosTokenId()) : idOf(root, "<s>");
    List<Long> eos = new ArrayList<>();
    config.eosTokenIds().forEach(e -> eos.add((long) e));
    if (eos.isEmpty() && idOf(root, "</s>") != null) {
      eos.add(idOf(root, "</s>"));
    }
    if (bos == null || eos.isEmpty()) {
      throw new BadInputException(
          (tokenizerJson == null ? "the model" : tokenizerJson.toString())
              + ": the model's config.json names no "
              + (bos == null ? "bos_token_id" : "eos_token_id")
              + " and the tokenizer has no "
              + (bos == null ? "<s>" : "</s>")
              + " token");
    }
    Long pad = config.padTokenId() != null ? Long.valueOf(config.padTokenId()) : null;
    if (pad == null) {
      pad = idOf(root, "<pad>");
    }
    return new SpecialIds(
        bos, eos.stream().mapToLong(Long::longValue).toArray(), pad != null ? pad : eos.get(0));
  }

  /** The id of {@code token} among the added tokens or in the model's vocabulary, else null. */
  static Long idOf(JsonNode root, String token) {
    if (root == null) {
      return null;
    }
    for (JsonNode t : root.path("added_tokens")) {
      if (token.equals(t.path("content").asText(null))) {
        return t.path("id").asLong();
      }
    }
    JsonNode vocab = root.path("model").path("vocab");
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

  /** Python's {@code str.strip()}: removes the characters {@code str.isspace()} accepts. */
  static String pythonStrip(String s) {
    int start = 0;
    int end = s.length();
    while (start < end && isPythonSpace(s.charAt(start))) {
      start++;
    }
    while (end > start && isPythonSpace(s.charAt(end - 1))) {
      end--;
    }
    return s.substring(start, end);
  }

  private static boolean isPythonSpace(char c) {
    return (c >= '\t' && c <= '\r')
        || (c >= '\u001c' && c <= '\u001f')
        || c == ' '
        || c == '\u0085'
        || c == '\u00a0'
        || c == '\u1680'
        || (c >= '\u2000' && c <= '\u200a')
        || c == '\u2028'
        || c == '\u2029'
        || c == '\u202f'
        || c == '\u205f'
        || c == '\u3000';
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
