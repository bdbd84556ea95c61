package io.tunecard.evaluate;

import ai.djl.ndarray.NDManager;
import io.tunecard.model.MistralModel;
import io.tunecard.model.SpecialIds;
import io.tunecard.model.TokenBatch;
import java.util.Arrays;
import java.util.List;

/**
 * Generates answers for a batch of prompts with the KV cache, as transformers' {@code generate}
 * does for a decoder-only model: prompts left-padded to a common width (position ids from the
 * mask), one forward pass per new token, stopping at EOS or {@code max_new_tokens}. Greedy and
 * sampling run {@link SampleSearch}, beam search runs {@link BeamSearch}.
 */
public final class Generator {
  private final MistralModel model;
  private final SpecialIds ids;

  public Generator(MistralModel model, SpecialIds ids) {
    this.model = model;
    this.ids = ids;
  }

  public MistralModel model() {
    return model;
  }

  public SpecialIds ids() {
    return ids;
  }

  /** Answers in the order of {@code prompts}; temporaries live in a sub-manager of {@code m}. */
  public List<Answer> generate(NDManager m, List<Prompt> prompts, Decoding d) {
    if (prompts.isEmpty()) {
      return List.of();
    }
    try (NDManager scope = m.newSubManager()) {
      return d.isBeamSearch()
          ? new BeamSearch(model, ids, d).run(scope, prompts)
          : new SampleSearch(model, ids, d).run(scope, prompts);
    }
  }

  /** The prompts left-padded with {@code pad} to the longest (mask 0 on padding). */
  static TokenBatch leftPadded(List<long[]> prompts, long pad) {
    int width = prompts.stream().mapToInt(p -> p.length).max().orElseThrow();
    long[][] idRows = new long[prompts.size()][width];
    int[][] mask = new int[prompts.size()][width];
    for (int b = 0; b < prompts.size(); b++) {
      long[] p = prompts.get(b);
      int start = width - p.length;
      Arrays.fill(idRows[b], 0, start, pad);
      System.arraycopy(p, 0, idRows[b], start, p.length);
      Arrays.fill(mask[b], start, width, 1);
    }
    return new TokenBatch(idRows, mask, null);
  }
}
