package io.tunecard.evaluate;

import java.io.Serializable;
import java.util.List;
import org.apache.beam.sdk.coders.DefaultCoder;

/**
 * One batch of questions to answer with one strategy and one model: the unit of work a Beam worker
 * takes. Batches are cut from the questions in a fixed order, so a question always shares its batch
 * with the same questions, whatever the number of workers.
 *
 * @param model {@link #ADAPTER} (the best checkpoint) or {@link #BASE}
 * @param total questions this strategy answers with this model (for the progress bar)
 */
@DefaultCoder(ElementCoder.class)
public record QuestionBatch(
    String model, String strategy, int index, int total, List<Question> questions)
    implements Serializable {
  public static final String ADAPTER = "adapter";
  public static final String BASE = "base";

  /** A question with its reference answer and its prompt ids. */
  public record Question(String id, String question, String reference, long[] prompt)
      implements Serializable {}

  public QuestionBatch {
    questions = List.copyOf(questions);
  }

  /** {@code model/strategy/index}: the element's key. */
  public String key() {
    return model + "/" + strategy + "/" + index;
  }
}
