package io.tunecard.evaluate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.tunecard.model.KvCache;
import io.tunecard.model.MistralModel;
import io.tunecard.model.SpecialIds;
import io.tunecard.model.TokenBatch;
import io.tunecard.workflow.StrategySpec;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * transformers' {@code _sample} loop: greedy ({@code argmax} of the processed scores) or sampling
 * (temperature, top-k, top-p, then a draw). A finished row is fed the pad token, as transformers
 * does, and generation ends when every row has met EOS or after {@code max_new_tokens}.
 */
final class SampleSearch {
  private final MistralModel model;
  private final SpecialIds ids;
  private final Decoding d;
  private final StrategySpec strategy;

  SampleSearch(MistralModel model, SpecialIds ids, Decoding d) {
    this.model = model;
    this.ids = ids;
    this.d = d;
    this.strategy = d.strategy();
  }

  List<Answer> run(NDManager m, List<Prompt> prompts) {
    int b = prompts.size();
    TokenBatch batch = Generator.leftPadded(prompts.stream().map(Prompt::ids).toList(), ids.pad());
    SplittableRandom[] random = new SplittableRandom[b];
    List<List<Long>> out = new ArrayList<>();
    for (int i = 0; i < b; i++) {
      out.add(new ArrayList<>());
      if (strategy.doSample()) {
        random[i] = QuestionSeeds.random(d.seed(), prompts.get(i).id());
      }
    }
    boolean[] done = new boolean[b];
    int vocab = model.config().vocabSize();
    int maxNew = d.maxNewTokens();
    // the last token is never fed back, so the cache holds width + maxNew - 1 positions
    try (KvCache cache = model.newCache(m, b, batch.length() + maxNew - 1)) {
      NDArray logits = model.prefill(m, cache, batch);
      for (int step = 0; step < maxNew; step++) {
        float[] scores = logits.toFloatArray(); // (batch, vocab)
        logits.close();
        long[] next = new long[b];
        boolean all = true;
        for (int i = 0; i < b; i++) {
          if (done[i]) {
            next[i] = ids.pad();
            continue;
          }
          int off = i * vocab;
          if (step < strategy.minNewTokens()) {
            LogitsWarpers.suppress(scores, off, ids.eos());
          }
          if (strategy.doSample()) {
            LogitsWarpers.warp(scores, off, vocab, strategy);
            next[i] = LogitsWarpers.sample(scores, off, vocab, random[i]);
          } else {
            next[i] = LogitsWarpers.argmax(scores, off, vocab);
          }
          if (ids.isEos(next[i])) {
            done[i] = true;
          } else {
            out.get(i).add(next[i]);
          }
          all &= done[i];
        }
        if (all || step == maxNew - 1) {
          break;
        }
        logits = model.decode(m, cache, next);
      }
    }
    List<Answer> answers = new ArrayList<>(b);
    for (int i = 0; i < b; i++) {
      long[] tokens = out.get(i).stream().mapToLong(Long::longValue).toArray();
      answers.add(new Answer(prompts.get(i).id(), tokens, !done[i], Double.NaN));
    }
    return answers;
  }
}
