package io.tunecard.model;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import io.tunecard.tokenize.ChatJinja;
import io.tunecard.tokenize.PythonText;
import io.tunecard.tokenize.TokenizerConfig;
import io.tunecard.tokenize.TokenizerFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The model's own chat template, in text and in token ids, for training, eval loss and generation
 * alike (the worker's {@code chat.ChatTemplate} keeps the same rule;
 * docs/worker-protocol-python.md):
 *
 * <pre>
 * prompt = enc(render([user: question], add_generation_prompt=True))
 * ids    = enc(render([user: question, assistant: answer]))      must start with prompt
 * </pre>
 *
 * with {@code render} the base's {@code chat_template} ({@link TokenizerConfig}; a base without one
 * uses the bundled template {@code model.chat_template} names) and {@code enc} the tokenizer.json's
 * ids without added special tokens, as transformers' {@code apply_chat_template} tokenizes. The
 * answer ids are {@code ids[len(prompt):]}; for Mistral-7B-Instruct-v0.3's template a row is {@code
 * <s>[INST] question[/INST] answer</s>}, the answer stripped and EOS included. Special ids: {@link
 * SpecialIds}. The answer text of generated ids is their decoding without special tokens, stripped
 * as Python's {@code str.strip()} does.
 */
public final class ChatTemplate implements AutoCloseable {
  /** The template a base without one gets, unless the workflow names another. */
  public static final String DEFAULT_FALLBACK = "mistral-inst";

  private static final int CHUNK = 1024;
  private final HuggingFaceTokenizer tokenizer;
  private final ChatJinja jinja;
  private final SpecialIds ids;
  private final String origin;

  private ChatTemplate(
      HuggingFaceTokenizer tokenizer, ChatJinja jinja, SpecialIds ids, String origin) {
    this.tokenizer = tokenizer;
    this.jinja = jinja;
    this.ids = ids;
    this.origin = origin;
  }

  /** {@link #load(Path, Path, MistralConfig, String)} with the default fallback template. */
  public static ChatTemplate load(Path modelDir, Path tokenizerJson, MistralConfig config) {
    return load(modelDir, tokenizerJson, config, DEFAULT_FALLBACK);
  }

  /**
   * The template of {@code modelDir} (its tokenizer_config.json or chat_template.jinja, else the
   * bundled {@code fallback}) over the tokenizer {@code tokenizerJson}; a missing or unreadable
   * file, or a template that does not parse, is an error naming it.
   */
  public static ChatTemplate load(
      Path modelDir, Path tokenizerJson, MistralConfig config, String fallback) {
    TokenizerConfig tc = modelDir == null ? TokenizerConfig.NONE : TokenizerConfig.read(modelDir);
    JsonNode root = tokenizerRoot(tokenizerJson);
    SpecialIds ids = SpecialIds.resolve(config, tc, root, tokenizerJson);
    String source =
        tc.chatTemplate() != null ? tc.chatTemplate() : TokenizerConfig.bundled(fallback);
    String origin = tc.chatTemplate() != null ? tc.file() : "tunecard's " + fallback + " template";
    Map<String, String> tokens = new HashMap<>();
    put(tokens, "bos_token", tc.bosToken(), SpecialIds.tokenOf(root, ids.bos()));
    put(tokens, "eos_token", tc.eosToken(), SpecialIds.tokenOf(root, ids.eos()[0]));
    put(tokens, "pad_token", tc.padToken(), null);
    put(tokens, "unk_token", tc.unkToken(), null);
    ChatJinja jinja = new ChatJinja(source, origin, tokens);
    return new ChatTemplate(TokenizerFiles.load(tokenizerJson), jinja, ids, origin);
  }

  private static void put(Map<String, String> m, String key, String named, String byId) {
    String v = named != null ? named : byId;
    if (v != null) {
      m.put(key, v);
    }
  }

  private static JsonNode tokenizerRoot(Path file) {
    if (file == null || !Files.isRegularFile(file)) {
      throw new BadInputException(file + ": file not found (expected a tokenizer.json)");
    }
    try {
      return Jsonl.readTree(file);
    } catch (IOException e) {
      throw new BadInputException(file + ": cannot read the tokenizer (" + e.getMessage() + ")", e);
    }
  }

  public SpecialIds ids() {
    return ids;
  }

  /** Where the template came from: a file, or the bundled template's name. */
  public String origin() {
    return origin;
  }

  /** The prompt's text: the user's turn, then whatever opens the assistant's. */
  public String promptText(String question) {
    return jinja.render(List.of(Map.of("role", "user", "content", question)), true);
  }

  /** The whole exchange's text, as training sees it. */
  public String conversationText(String question, String answer) {
    return jinja.render(
        List.of(
            Map.of("role", "user", "content", question),
            Map.of("role", "assistant", "content", answer)),
        false);
  }

  public long[] prompt(String question) {
    return encode(promptText(question));
  }

  /** The prompt ids of each question, in one batch call of the tokenizer. */
  public List<long[]> prompts(List<String> questions) {
    return encode(questions.stream().map(this::promptText).toList());
  }

  /**
   * One exchange in ids, not cut.
   *
   * @param promptLength the ids before the answer (the loss is taken after them)
   */
  public record Exchange(long[] ids, int promptLength) {}

  /** Each (question, answer) as ids; an error when a template's prompt is not a prefix. */
  public List<Exchange> exchanges(List<String> questions, List<String> answers) {
    if (questions.size() != answers.size()) {
      throw new IllegalArgumentException(questions.size() + " questions, " + answers.size());
    }
    List<long[]> prompts = prompts(questions);
    List<String> texts = new ArrayList<>(questions.size());
    for (int i = 0; i < questions.size(); i++) {
      texts.add(conversationText(questions.get(i), answers.get(i)));
    }
    List<long[]> full = encode(texts);
    List<Exchange> out = new ArrayList<>(full.size());
    for (int i = 0; i < full.size(); i++) {
      long[] p = prompts.get(i);
      long[] f = full.get(i);
      if (f.length < p.length || !Arrays.equals(f, 0, p.length, p, 0, p.length)) {
        throw new BadInputException(
            origin
                + ": the chat template's prompt is not the start of the whole exchange in token"
                + " ids (question "
                + PythonText.json(questions.get(i))
                + "), so the answer tokens cannot be told apart");
      }
      out.add(new Exchange(f, p.length));
    }
    return out;
  }

  public long[] encode(String text) {
    return tokenizer.encode(text, false, false).getIds();
  }

  /** {@code enc(text)} of each text, in batch calls of the Rust library. */
  public List<long[]> encode(List<String> texts) {
    List<long[]> out = new ArrayList<>(texts.size());
    for (int from = 0; from < texts.size(); from += CHUNK) {
      Encoding[] enc =
          tokenizer.batchEncode(
              texts.subList(from, Math.min(texts.size(), from + CHUNK)), false, false);
      for (Encoding e : enc) {
        out.add(e.getIds());
      }
    }
    return out;
  }

  /** The answer text of generated ids (EOS already cut off). */
  public String decode(long[] tokens) {
    return PythonText.strip(tokenizer.decode(tokens, true));
  }

  /**
   * A prompt that fits {@code max} positions: longer ones keep their first id (bos) and their last
   * {@code max - 1} ids, as the hf engine does, so the question's end and the template's closing
   * tokens stay.
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

  @Override
  public void close() {
    tokenizer.close();
  }
}
