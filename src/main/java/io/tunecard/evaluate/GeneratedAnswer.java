package io.tunecard.evaluate;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.Jsonl;
import io.tunecard.metrics.PredictionRow;
import java.io.Serializable;
import org.apache.beam.sdk.coders.DefaultCoder;

/**
 * One row of {@code eval/generations/<strategy>.jsonl} (or {@code generations-base/}).
 *
 * @param model {@link QuestionBatch#ADAPTER} or {@link QuestionBatch#BASE}
 * @param tokens new tokens before EOS
 * @param hitCap no EOS within max_new_tokens
 */
@DefaultCoder(ElementCoder.class)
public record GeneratedAnswer(
    String model,
    String strategy,
    String id,
    String question,
    String reference,
    String prediction,
    int tokens,
    boolean hitCap)
    implements Serializable {

  /** The JSON line, keys in the documented order. */
  public String toJsonLine() {
    ObjectNode o = Jsonl.MAPPER.createObjectNode();
    o.put("id", id);
    o.put("question", question);
    o.put("reference", reference);
    o.put("prediction", prediction);
    o.put("tokens", tokens);
    o.put("hit_cap", hitCap);
    return Jsonl.write(o);
  }

  public PredictionRow toPredictionRow() {
    return new PredictionRow(id, prediction, reference, tokens);
  }
}
