package io.tunecard.evaluate;

import java.io.Serializable;
import java.util.List;
import org.apache.beam.sdk.coders.DefaultCoder;

/**
 * One batch of validation rows to score with one model: the base ({@code adapter} null) or a
 * checkpoint's adapter.
 *
 * @param model {@code base} or the checkpoint's directory name ({@code step-N})
 * @param index the batch's place in the validation split's fixed batching
 * @param batches how many batches the model has (for the progress bar)
 * @param rows each row's place among the scored validation rows, in split order
 * @param ids each row's template ids, prompt then answer then EOS, cut to max_seq_len
 * @param promptLengths each row's prompt length (the loss is taken after it)
 */
@DefaultCoder(ElementCoder.class)
public record LossShard(
    String model,
    String adapter,
    Long step,
    int index,
    int batches,
    int[] rows,
    List<long[]> ids,
    int[] promptLengths)
    implements Serializable {
  public LossShard {
    ids = List.copyOf(ids);
    if (ids.isEmpty() || ids.size() != promptLengths.length || ids.size() != rows.length) {
      throw new IllegalArgumentException(
          "a loss shard needs rows and one place and one prompt length per row");
    }
  }
}
