package io.tunecard.evaluate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.tunecard.model.KvCache;
import io.tunecard.model.MistralModel;
import io.tunecard.model.SpecialIds;
import io.tunecard.model.TokenBatch;
import io.tunecard.workflow.StrategySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Beam search exactly as transformers 5.x's vectorised {@code _beam_search} decides it, step for
 * step (scores in float32, as there):
 *
 * <ol>
 *   <li>log-softmax of the logits (EOS at {@code -inf} before {@code min_new_tokens}) plus each
 *       running beam's score; running beams other than the first start at {@code -1e9}, so the
 *       first step expands one beam.
 *   <li>the best {@code keep = max(2, 1 + #eos) · num_beams} continuations over all beams of a
 *       question; a continuation "hits" when its token is EOS or it reaches {@code max_new_tokens}.
 *   <li>the next running beams: the best {@code num_beams} continuations, those that hit pushed
 *       down by {@code -1e9}.
 *   <li>finished hypotheses: among the first {@code num_beams} continuations, those that hit enter
 *       with score {@code sum_logprobs / new_length^length_penalty} (EOS counted), unless the
 *       question is closed — all slots full with {@code early_stopping}, or the early-stop
 *       heuristic already satisfied; the best {@code num_beams} of old and new are kept.
 *   <li>the heuristic: a question stays open while some finished slot is empty or the best running
 *       score divided by {@code new_length^length_penalty} beats the worst finished score.
 *   <li>generation stops when no question is open, or (with {@code early_stopping}) every slot of
 *       every question is full, or every continuation hit.
 * </ol>
 *
 * The answer is the best finished hypothesis; its score is transformers' {@code sequences_scores}.
 * Ties between equal scores go to the lower index (torch leaves their order unspecified).
 */
final class BeamSearch {
  private static final float CLOSED = -1.0e9f;

  private final MistralModel model;
  private final SpecialIds ids;
  private final Decoding d;
  private final StrategySpec strategy;
  private final int k;
  private final int keep;

  BeamSearch(MistralModel model, SpecialIds ids, Decoding d) {
    this.model = model;
    this.ids = ids;
    this.d = d;
    this.strategy = d.strategy();
    this.k = strategy.numBeams();
    this.keep = Math.max(2, 1 + ids.eos().length) * k;
  }

  /** One question's finished hypotheses, best first. */
  private final class Finished {
    final long[][] tokens = new long[k][];
    final float[] scores = new float[k];
    final boolean[] done = new boolean[k];

    Finished() {
      Arrays.fill(scores, CLOSED);
    }

    boolean full() {
      for (boolean f : done) {
        if (!f) {
          return false;
        }
      }
      return true;
    }

    float worst() {
      float w = Float.POSITIVE_INFINITY;
      for (float s : scores) {
        w = Math.min(w, s);
      }
      return w;
    }
  }

  List<Answer> run(NDManager m, List<Prompt> prompts) {
    int b = prompts.size();
    int rows = b * k;
    int vocab = model.config().vocabSize();
    int maxNew = d.maxNewTokens();
    List<long[]> repeated = new ArrayList<>(rows);
    for (Prompt p : prompts) {
      for (int j = 0; j < k; j++) {
        repeated.add(p.ids());
      }
    }
    TokenBatch batch = Generator.leftPadded(repeated, ids.pad());
    long[][] running = new long[rows][0]; // generated tokens of each running beam
    float[] runningScores = new float[rows];
    for (int i = 0; i < b; i++) {
      Arrays.fill(runningScores, i * k + 1, i * k + k, CLOSED);
    }
    Finished[] finished = new Finished[b];
    boolean[] open = new boolean[b]; // transformers' is_early_stop_heuristic_unsatisfied
    for (int i = 0; i < b; i++) {
      finished[i] = new Finished();
      open[i] = true;
    }
    try (KvCache cache = model.newCache(m, rows, batch.length() + maxNew - 1)) {
      NDArray logits = model.prefill(m, cache, batch);
      for (int step = 0; ; step++) {
        float[] logProbs; // (rows, vocab)
        try (NDArray ls = logits.logSoftmax(1)) {
          logProbs = ls.toFloatArray();
        }
        logits.close();
        if (step < strategy.minNewTokens()) {
          for (int r = 0; r < rows; r++) {
            LogitsWarpers.suppress(logProbs, r * vocab, ids.eos());
          }
        }
        int[] sources = new int[rows];
        long[] next = new long[rows];
        long[][] nextRunning = new long[rows][];
        float[] nextScores = new float[rows];
        boolean allHit = true;
        float lengthNorm = (float) Math.pow(step + 1, strategy.lengthPenalty());
        for (int q = 0; q < b; q++) {
          int[] top = topContinuations(logProbs, runningScores, q, vocab);
          float[] value = new float[keep];
          boolean[] hit = new boolean[keep];
          for (int c = 0; c < keep; c++) {
            int beam = q * k + top[c] / vocab;
            value[c] = logProbs[beam * vocab + top[c] % vocab] + runningScores[beam];
            hit[c] = ids.isEos(top[c] % vocab) || step + 1 >= maxNew;
            allHit &= hit[c];
          }
          float[] runningValue = new float[keep];
          for (int c = 0; c < keep; c++) {
            runningValue[c] = value[c] + (hit[c] ? CLOSED : 0f);
          }
          int[] chosen = best(runningValue, k);
          for (int j = 0; j < k; j++) {
            int c = chosen[j];
            int source = q * k + top[c] / vocab;
            sources[q * k + j] = source;
            next[q * k + j] = top[c] % vocab;
            nextRunning[q * k + j] = append(running[source], top[c] % vocab);
            nextScores[q * k + j] = runningValue[c];
          }
          updateFinished(finished[q], open[q], top, value, hit, running, q, vocab, lengthNorm);
        }
        cache.reorder(sources);
        running = nextRunning;
        runningScores = nextScores;
        boolean anyOpen = false;
        boolean allFull = true;
        for (int q = 0; q < b; q++) {
          Finished f = finished[q];
          if (open[q]) {
            float bestPossible = runningScores[q * k] / lengthNorm;
            float worst = f.worst();
            boolean improvable = false;
            for (int j = 0; j < k; j++) {
              improvable |= bestPossible > (f.done[j] ? worst : CLOSED);
            }
            open[q] = improvable;
          }
          anyOpen |= open[q];
          allFull &= f.full();
        }
        if (!anyOpen || (allFull && strategy.earlyStopping()) || allHit) {
          break;
        }
        logits = model.decode(m, cache, next);
      }
    }
    List<Answer> answers = new ArrayList<>(b);
    for (int q = 0; q < b; q++) {
      Finished f = finished[q];
      long[] seq = f.done[0] ? f.tokens[0] : running[q * k];
      int end = 0;
      while (end < seq.length && !ids.isEos(seq[end])) {
        end++;
      }
      answers.add(
          new Answer(prompts.get(q).id(), Arrays.copyOf(seq, end), end == seq.length, f.scores[0]));
    }
    return answers;
  }

  /**
   * transformers' {@code _update_finished_beams}: continuations among the first {@code num_beams}
   * that hit enter with their length-normalised score, unless the question is closed; the best
   * {@code num_beams} of the old finished (first on ties) and the new ones are kept.
   */
  private void updateFinished(
      Finished f,
      boolean open,
      int[] top,
      float[] value,
      boolean[] hit,
      long[][] running,
      int q,
      int vocab,
      float lengthNorm) {
    boolean closedFull = f.full() && strategy.earlyStopping();
    float[] merged = new float[k + keep];
    boolean[] mergedDone = new boolean[k + keep];
    System.arraycopy(f.scores, 0, merged, 0, k);
    System.arraycopy(f.done, 0, mergedDone, 0, k);
    for (int c = 0; c < keep; c++) {
      boolean justFinished = hit[c] && c < k;
      float s = value[c] / lengthNorm;
      s += closedFull ? CLOSED : 0f;
      s += open ? 0f : CLOSED;
      s += justFinished ? 0f : CLOSED;
      merged[k + c] = s;
      mergedDone[k + c] = justFinished;
    }
    int[] chosen = best(merged, k);
    long[][] tokens = new long[k][];
    float[] scores = new float[k];
    boolean[] done = new boolean[k];
    for (int j = 0; j < k; j++) {
      int i = chosen[j];
      scores[j] = merged[i];
      done[j] = mergedDone[i];
      if (i < k) {
        tokens[j] = f.tokens[i];
      } else {
        int c = i - k;
        tokens[j] = append(running[q * k + top[c] / vocab], top[c] % vocab);
      }
    }
    System.arraycopy(tokens, 0, f.tokens, 0, k);
    System.arraycopy(scores, 0, f.scores, 0, k);
    System.arraycopy(done, 0, f.done, 0, k);
  }

  /**
   * The best {@code keep} flat indices {@code beam * vocab + token} of question {@code q} by
   * accumulated score {@code logProb + runningScore} (float32), best first, lower index on ties.
   */
  private int[] topContinuations(float[] logProbs, float[] runningScores, int q, int vocab) {
    float[] topValue = new float[keep];
    int[] topIndex = new int[keep];
    Arrays.fill(topValue, Float.NEGATIVE_INFINITY);
    Arrays.fill(topIndex, Integer.MAX_VALUE);
    int filled = 0;
    for (int j = 0; j < k; j++) {
      int row = q * k + j;
      float base = runningScores[row];
      int off = row * vocab;
      for (int v = 0; v < vocab; v++) {
        float s = logProbs[off + v] + base;
        if (filled == keep && !(s > topValue[keep - 1])) {
          continue;
        }
        int pos = filled < keep ? filled++ : keep - 1;
        while (pos > 0 && s > topValue[pos - 1]) {
          topValue[pos] = topValue[pos - 1];
          topIndex[pos] = topIndex[pos - 1];
          pos--;
        }
        topValue[pos] = s;
        topIndex[pos] = j * vocab + v;
      }
    }
    return topIndex;
  }

  /** Indices of the {@code n} largest values, largest first, lower index on ties. */
  static int[] best(float[] values, int n) {
    Integer[] order = new Integer[values.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(
        order,
        (a, c) -> {
          int cmp = Float.compare(values[c], values[a]);
          return cmp != 0 ? cmp : Integer.compare(a, c);
        });
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      out[i] = order[i];
    }
    return out;
  }

  private static long[] append(long[] seq, long token) {
    long[] out = Arrays.copyOf(seq, seq.length + 1);
    out[seq.length] = token;
    return out;
  }
}
