package io.tunecard.metrics;

import java.util.ArrayList;
import java.util.List;

/**
 * The matching step of BERTScore, ported from {@code bert_score.utils.greedy_cos_idf} (the encoder
 * that produces the token embeddings runs elsewhere). For a candidate with token embeddings {@code
 * c_i} and weights {@code u_i}, and a reference with {@code r_j} and {@code v_j}:
 *
 * <pre>
 *   s_ij = cos(c_i, r_j)                       (embeddings L2-normalised)
 *   P = Σ_i u_i · max_j s_ij / Σ_i u_i         (every candidate token greedily matched)
 *   R = Σ_j v_j · max_i s_ij / Σ_j v_j
 *   F = 2PR / (P + R)                          (0 where that is NaN)
 * </pre>
 *
 * With idf off, every token weighs 1 except the special tokens ({@code <s>}, {@code </s>} for
 * RoBERTa), which weigh 0 but still take part in the matching ({@link #weightsWithout}). A
 * candidate or reference of exactly two tokens (an empty sentence between its specials) scores P =
 * R = 0, as in bert_score. Optional baseline rescaling maps x to {@code (x − b) / (1 − b)} for P, R
 * and F separately.
 *
 * <p>bert_score pads the sentences of a batch to a common length and multiplies the similarities of
 * padding positions by 0, so a token whose best real similarity is negative is matched to 0 instead
 * when the other side is shorter than the longest of its batch. {@link #scoreBatched} reproduces
 * that; {@link #score} is the unpadded definition.
 */
public final class BertScore {
  /** bert_score's default batch size in {@code score()}. */
  public static final int DEFAULT_BATCH = 64;

  private BertScore() {}

  /**
   * Precision, recall and F of one candidate (raw scores are cosines, rescaled ones may be < 0).
   */
  public record Result(double precision, double recall, double f) {
    public Result {
      if (Double.isNaN(precision) || Double.isNaN(recall) || Double.isNaN(f)) {
        throw new IllegalArgumentException(
            "bertscore: expected numbers, found " + precision + ", " + recall + ", " + f);
      }
    }
  }

  /** Rescaling baselines for P, R and F (bert_score's {@code rescale_baseline} files). */
  public record Baseline(double precision, double recall, double f) {
    public Baseline {
      for (double b : new double[] {precision, recall, f}) {
        if (!(b < 1) || Double.isNaN(b)) {
          throw new IllegalArgumentException("baseline: expected values below 1, found " + b);
        }
      }
    }
  }

  /**
   * One candidate-reference pair: per-token embeddings {@code (tokens, hidden)} and weights {@code
   * (tokens)}, special tokens included.
   */
  public record Pair(
      float[][] candidate,
      float[] candidateWeights,
      float[][] reference,
      float[] referenceWeights) {
    public Pair {
      checkSide("candidate", candidate, candidateWeights);
      checkSide("reference", reference, referenceWeights);
      if (candidate[0].length != reference[0].length) {
        throw new IllegalArgumentException(
            "embeddings: candidate has "
                + candidate[0].length
                + " dimensions, reference "
                + reference[0].length);
      }
    }
  }

  /** Weights with idf off: 1 per token, 0 for every token whose id is one of {@code specialIds}. */
  public static float[] weightsWithout(long[] tokenIds, long... specialIds) {
    float[] w = new float[tokenIds.length];
    outer:
    for (int i = 0; i < tokenIds.length; i++) {
      for (long s : specialIds) {
        if (tokenIds[i] == s) {
          continue outer;
        }
      }
      w[i] = 1f;
    }
    return w;
  }

  /** The unpadded score of one pair. */
  public static Result score(Pair pair) {
    return score(pair, false, false);
  }

  /** Scores pairs in consecutive batches of {@code batchSize}, with bert_score's padding effect. */
  public static List<Result> scoreBatched(List<Pair> pairs, int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size: expected at least 1, found " + batchSize);
    }
    List<Result> out = new ArrayList<>(pairs.size());
    for (int start = 0; start < pairs.size(); start += batchSize) {
      List<Pair> batch = pairs.subList(start, Math.min(pairs.size(), start + batchSize));
      int longestCandidate = batch.stream().mapToInt(p -> p.candidate().length).max().orElse(0);
      int longestReference = batch.stream().mapToInt(p -> p.reference().length).max().orElse(0);
      for (Pair p : batch) {
        out.add(
            score(
                p,
                p.reference().length < longestReference,
                p.candidate().length < longestCandidate));
      }
    }
    return out;
  }

  /** {@code (x − b) / (1 − b)} for P, R and F. */
  public static Result rescale(Result raw, Baseline baseline) {
    return new Result(
        (raw.precision() - baseline.precision()) / (1 - baseline.precision()),
        (raw.recall() - baseline.recall()) / (1 - baseline.recall()),
        (raw.f() - baseline.f()) / (1 - baseline.f()));
  }

  private static Result score(Pair pair, boolean referencePadded, boolean candidatePadded) {
    double[][] c = normalised("candidate", pair.candidate());
    double[][] r = normalised("reference", pair.reference());
    double[] bestForCandidate = new double[c.length]; // (candidate tokens)
    double[] bestForReference = new double[r.length]; // (reference tokens)
    java.util.Arrays.fill(bestForCandidate, referencePadded ? 0.0 : Double.NEGATIVE_INFINITY);
    java.util.Arrays.fill(bestForReference, candidatePadded ? 0.0 : Double.NEGATIVE_INFINITY);
    for (int i = 0; i < c.length; i++) {
      for (int j = 0; j < r.length; j++) {
        double s = dot(c[i], r[j]);
        bestForCandidate[i] = Math.max(bestForCandidate[i], s);
        bestForReference[j] = Math.max(bestForReference[j], s);
      }
    }
    double p = weighted(bestForCandidate, pair.candidateWeights());
    double rc = weighted(bestForReference, pair.referenceWeights());
    double f = 2 * p * rc / (p + rc);
    if (Double.isNaN(f)) {
      f = 0.0;
    }
    if (c.length == 2 || r.length == 2) {
      // bert_score zeroes P and R of empty sentences after F was computed from them.
      return new Result(0.0, 0.0, f);
    }
    if (Double.isNaN(p) || Double.isNaN(rc)) {
      throw new IllegalArgumentException(
          "bertscore: the token weights of a side sum to 0 but it is not an empty sentence");
    }
    return new Result(p, rc, f);
  }

  private static double weighted(double[] best, float[] weights) {
    double total = 0;
    double sum = 0;
    for (int i = 0; i < best.length; i++) {
      total += weights[i];
      sum += weights[i] == 0 ? 0.0 : best[i] * weights[i];
    }
    return sum / total;
  }

  private static double dot(double[] a, double[] b) {
    double s = 0;
    for (int k = 0; k < a.length; k++) {
      s += a[k] * b[k];
    }
    return s;
  }

  private static double[][] normalised(String side, float[][] e) {
    double[][] out = new double[e.length][];
    for (int i = 0; i < e.length; i++) {
      double norm = 0;
      for (float x : e[i]) {
        norm += (double) x * x;
      }
      norm = Math.sqrt(norm);
      if (norm == 0) {
        throw new IllegalArgumentException(side + " token " + i + ": zero embedding");
      }
      out[i] = new double[e[i].length];
      for (int k = 0; k < e[i].length; k++) {
        out[i][k] = e[i][k] / norm;
      }
    }
    return out;
  }

  private static void checkSide(String side, float[][] embeddings, float[] weights) {
    if (embeddings == null || embeddings.length == 0) {
      throw new IllegalArgumentException(side + ": expected at least one token embedding");
    }
    if (weights == null || weights.length != embeddings.length) {
      throw new IllegalArgumentException(
          side
              + ": expected one weight per token ("
              + embeddings.length
              + "), found "
              + (weights == null ? "none" : weights.length));
    }
    for (float[] e : embeddings) {
      if (e == null || e.length != embeddings[0].length) {
        throw new IllegalArgumentException(side + ": token embeddings differ in size");
      }
    }
  }
}
