package io.tunecard.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.Jsonl;
import java.util.List;

/** A split's rows as {@link Example}s, and what tokenizing them counted. */
record EncodedSplit(List<Example> examples, Stats stats) {
  EncodedSplit {
    examples = List.copyOf(examples);
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
