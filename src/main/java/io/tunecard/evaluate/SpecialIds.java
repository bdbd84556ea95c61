package io.tunecard.evaluate;

import java.io.Serializable;

/**
 * The special token ids generation needs.
 *
 * @param eos every id that ends an answer (a config may list several)
 * @param pad what finished or padded rows are fed
 */
public record SpecialIds(long bos, long[] eos, long pad) implements Serializable {
  public SpecialIds {
    if (eos == null || eos.length == 0) {
      throw new IllegalArgumentException("eos: expected at least one end-of-sequence id");
    }
    eos = eos.clone();
  }

  public boolean isEos(long token) {
    for (long e : eos) {
      if (e == token) {
        return true;
      }
    }
    return false;
  }
}
