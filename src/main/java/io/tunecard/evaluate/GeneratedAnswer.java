package io.tunecard.evaluate;

import io.tunecard.metrics.PredictionRow;
import io.tunecard.rundir.GenerationRow;
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
    return new GenerationRow(id, question, reference, prediction, tokens, hitCap).toJsonLine();
  }

  public PredictionRow toPredictionRow() {
    return new PredictionRow(id, prediction, reference, tokens);
  }
}
