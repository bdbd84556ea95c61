package io.tunecard.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.Jsonl;
import io.tunecard.model.ChatTemplate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A split's rows as {@link Example}s, and what tokenizing them counted: each row is the chat
 * template's exchange ({@link ChatTemplate#exchanges}) cut to max_seq_len; a row whose prompt alone
 * reaches max_seq_len keeps no answer id and is skipped (counted).
 */
record EncodedSplit(List<Example> examples, Stats stats) {
  EncodedSplit {
    examples = List.copyOf(examples);
  }

  /** Tokenizes and truncates {@code rows}; see {@link Stats} for what is counted. */
  static EncodedSplit of(ChatTemplate template, List<QaRow> rows, int maxSeqLen) {
    List<ChatTemplate.Exchange> exchanges =
        template.exchanges(
            rows.stream().map(QaRow::question).toList(), rows.stream().map(QaRow::answer).toList());
    List<Example> examples = new ArrayList<>();
    int truncated = 0;
    int skipped = 0;
    long answerTokens = 0;
    long tokens = 0;
    for (ChatTemplate.Exchange x : exchanges) {
      long[] full = x.ids();
      if (full.length > maxSeqLen) {
        truncated++;
        full = Arrays.copyOf(full, maxSeqLen);
      }
      if (x.promptLength() >= full.length) {
        skipped++;
        continue;
      }
      int[] narrow = new int[full.length];
      for (int k = 0; k < full.length; k++) {
        narrow[k] = Math.toIntExact(full[k]);
      }
      Example e = new Example(narrow, x.promptLength());
      examples.add(e);
      answerTokens += e.targets();
      tokens += e.length();
    }
    return new EncodedSplit(
        examples,
        new Stats(rows.size(), examples.size(), truncated, skipped, answerTokens, tokens));
  }

  /**
   * @param rows rows read
   * @param examples rows kept
   * @param truncated rows cut at max_seq_len (kept if an answer id remains)
   * @param skipped rows whose prompt alone fills max_seq_len
   * @param answerTokens supervised targets over the kept rows
   * @param tokens ids over the kept rows
   */
  record Stats(int rows, int examples, int truncated, int skipped, long answerTokens, long tokens) {

    /** The keys the hf worker logs, so both engines' logs read alike. */
    ObjectNode json() {
      ObjectNode o = Jsonl.MAPPER.createObjectNode();
      o.put("rows", rows);
      o.put("examples", examples);
      o.put("truncated", truncated);
      o.put("skipped_prompt_fills_max_seq_len", skipped);
      o.put("answer_tokens", answerTokens);
      o.put("tokens", tokens);
      return o;
    }
  }
}
