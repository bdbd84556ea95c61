package io.tunecard.evaluate;

import java.io.Serializable;
import org.apache.beam.sdk.coders.DefaultCoder;

/**
 * The answer-token NLL of one {@link LossShard}, row by row.
 *
 * @param rows each row's place among the scored validation rows, in split order
 * @param sums each row's summed NLL
 * @param tokens each row's answer tokens
 */
@DefaultCoder(ElementCoder.class)
public record LossPart(
    String model, String adapter, Long step, int index, int[] rows, double[] sums, long[] tokens)
    implements Serializable {

  public long tokenCount() {
    long n = 0;
    for (long t : tokens) {
      n += t;
    }
    return n;
  }
}
