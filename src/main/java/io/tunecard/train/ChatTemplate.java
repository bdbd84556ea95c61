package io.tunecard.train;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code mistral-inst} chat template in token ids, the rule both engines share
 * (docs/worker-protocol-python.md), with {@code enc(text)} the tokenizer.json's ids without added
 * special tokens:
 *
 * <pre>
 * prompt = [bos] + enc("[INST] " + question + " [/INST]")
 * answer = enc(" " + answer) + [eos]
 * ids    = (prompt + answer)[:max_seq_len]
 * </pre>
 *
 * A row whose prompt alone reaches {@code max_seq_len} keeps no answer id and is skipped (counted).
 */
final class ChatTemplate {
  private final HuggingFaceTokenizer tokenizer;
  private final SpecialIds ids;

  ChatTemplate(HuggingFaceTokenizer tokenizer, SpecialIds ids) {
    this.tokenizer = tokenizer;
    this.ids = ids;
  }

  SpecialIds specialIds() {
    return ids;
  }

  /** {@code [bos] + enc("[INST] " + question + " [/INST]")} for each question. */
  List<int[]> prompts(List<String> questions) {
    List<String> texts = questions.stream().map(q -> "[INST] " + q + " [/INST]").toList();
    List<int[]> out = new ArrayList<>();
    for (int[] enc : encode(texts)) {
      out.add(concat(new int[] {ids.bos()}, enc));
    }
    return out;
  }

  /** {@code enc(" " + answer) + [eos]} for each answer. */
  List<int[]> answers(List<String> answers) {
    List<String> texts = answers.stream().map(a -> " " + a).toList();
    List<int[]> out = new ArrayList<>();
    for (int[] enc : encode(texts)) {
      out.add(concat(enc, new int[] {ids.eos()}));
    }
    return out;
  }

  /** Tokenizes and truncates {@code rows}; see {@link EncodedSplit.Stats} for what is counted. */
  EncodedSplit encode(List<QaRow> rows, int maxSeqLen) {
    List<int[]> prompts = prompts(rows.stream().map(QaRow::question).toList());
    List<int[]> answers = answers(rows.stream().map(QaRow::answer).toList());
    List<Example> examples = new ArrayList<>();
    int truncated = 0;
    int skipped = 0;
    long answerTokens = 0;
    long tokens = 0;
    for (int i = 0; i < rows.size(); i++) {
      int[] full = concat(prompts.get(i), answers.get(i));
      if (full.length > maxSeqLen) {
        truncated++;
        full = java.util.Arrays.copyOf(full, maxSeqLen);
      }
      int promptLength = prompts.get(i).length;
      if (promptLength >= full.length) {
        skipped++;
        continue;
      }
      Example e = new Example(full, promptLength);
      examples.add(e);
      answerTokens += e.targets();
      tokens += e.length();
    }
    return new EncodedSplit(
        examples,
        new EncodedSplit.Stats(
            rows.size(), examples.size(), truncated, skipped, answerTokens, tokens));
  }

  /** {@code enc(text)} of each text, in one batch call of the Rust library. */
  List<int[]> encode(List<String> texts) {
    List<int[]> out = new ArrayList<>(texts.size());
    int chunk = 1024;
    for (int from = 0; from < texts.size(); from += chunk) {
      Encoding[] enc =
          tokenizer.batchEncode(
              texts.subList(from, Math.min(texts.size(), from + chunk)), false, false);
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

  static int[] concat(int[] a, int[] b) {
    int[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
