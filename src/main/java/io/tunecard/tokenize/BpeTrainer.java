package io.tunecard.tokenize;

import io.tunecard.workflow.TokenizerSpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;

/**
 * Trains a byte-level BPE vocabulary the standard way: count the pre-tokenized words of the texts
 * (special tokens in the text are cut out first), start every word from its bytes, then repeatedly
 * merge the most frequent adjacent pair of tokens, updating pair counts only in the words that hold
 * the merged pair.
 *
 * <p>Deterministic: the pair merged next is the one with the highest count, ties broken by the
 * smaller left token id, then the smaller right token id. Training stops at {@code vocabSize}
 * tokens (specials and the 256 bytes included) or when no pair occurs {@code minFrequency} times. A
 * merge whose result is already a token (the same string reached by another split) adds a merge
 * rule but no token, as Hugging Face's trainer does.
 */
public final class BpeTrainer {
  private final int vocabSize;
  private final int minFrequency;
  private final List<String> specials;

  public BpeTrainer(int vocabSize, int minFrequency) {
    this(vocabSize, minFrequency, SpecialTokens.ALL);
  }

  BpeTrainer(int vocabSize, int minFrequency, List<String> specials) {
    if (vocabSize < specials.size() + 256) {
      throw new IllegalArgumentException(
          "vocab_size: expected at least "
              + (specials.size() + 256)
              + " (specials and bytes), found "
              + vocabSize);
    }
    if (minFrequency < 1) {
      throw new IllegalArgumentException(
          "min_frequency: expected at least 1, found " + minFrequency);
    }
    this.vocabSize = vocabSize;
    this.minFrequency = minFrequency;
    this.specials = List.copyOf(specials);
  }

  /** The trainer a workflow's {@code model.tokenizer} section describes. */
  public static BpeTrainer of(TokenizerSpec spec) {
    return new BpeTrainer(spec.vocabSize(), spec.minFrequency());
  }

  /** Trains on {@code texts}. */
  public BpeModel train(List<String> texts) {
    Map<String, Integer> wordCounts = countWords(texts);
    String[] words = wordCounts.keySet().toArray(String[]::new);
    Arrays.sort(words);
    int[][] symbols = new int[words.length][];
    int[] counts = new int[words.length];
    for (int w = 0; w < words.length; w++) {
      byte[] bytes = words[w].getBytes(StandardCharsets.UTF_8);
      symbols[w] = new int[bytes.length];
      for (int i = 0; i < bytes.length; i++) {
        symbols[w][i] = specials.size() + (bytes[i] & 0xFF);
      }
      counts[w] = wordCounts.get(words[w]);
    }
    return new Merger(symbols, counts).run();
  }

  /** Word (pre-tokenized piece) frequencies, counted in parallel. */
  private Map<String, Integer> countWords(List<String> texts) {
    ConcurrentHashMap<String, Integer> total = new ConcurrentHashMap<>();
    int chunk = Math.max(64, texts.size() / 64 + 1);
    java.util.stream.IntStream.range(0, (texts.size() + chunk - 1) / chunk)
        .parallel()
        .forEach(
            c -> {
              Map<String, Integer> local = new HashMap<>();
              for (int i = c * chunk; i < Math.min(texts.size(), (c + 1) * chunk); i++) {
                for (SpecialTokens.Segment s : SpecialTokens.segments(texts.get(i), specials)) {
                  if (s.special() < 0) {
                    Matcher m = ByteLevel.SPLIT.matcher(s.text());
                    while (m.find()) {
                      local.merge(m.group(), 1, Integer::sum);
                    }
                  }
                }
              }
              local.forEach((k, v) -> total.merge(k, v, Integer::sum));
            });
    return total;
  }

  /** The merge loop over the words' token sequences. */
  private final class Merger {
    private final int[][] symbols;
    private final int[] counts;
    private final List<String> vocab = new ArrayList<>();
    private final Map<String, Integer> idOf = new HashMap<>();
    private final List<BpeModel.Merge> merges = new ArrayList<>();
    private final Map<Long, Integer> mergedBefore = new HashMap<>();
    private final Map<Long, long[]> pairCounts = new HashMap<>(); // pair -> {count}
    private final Map<Long, IntList> wordsWithPair = new HashMap<>();
    // Highest count first; ties: smaller left id, then smaller right id.
    private final PriorityQueue<long[]> queue =
        new PriorityQueue<>(
            (a, b) -> a[0] != b[0] ? Long.compare(b[0], a[0]) : Long.compareUnsigned(a[1], b[1]));
    private final int[] stamp;
    private int epoch;

    Merger(int[][] symbols, int[] counts) {
      this.symbols = symbols;
      this.counts = counts;
      this.stamp = new int[symbols.length];
      for (String s : specials) {
        add(s);
      }
      for (int b = 0; b < 256; b++) {
        add(String.valueOf(ByteLevel.charOf(b)));
      }
      for (int w = 0; w < symbols.length; w++) {
        int[] s = symbols[w];
        for (int i = 0; i + 1 < s.length; i++) {
          long pair = pair(s[i], s[i + 1]);
          counter(pair)[0] += counts[w];
          wordsWithPair.computeIfAbsent(pair, p -> new IntList()).addOnce(w);
        }
      }
      pairCounts.forEach((pair, c) -> queue.add(new long[] {c[0], pair}));
    }

    BpeModel run() {
      while (vocab.size() < vocabSize && !queue.isEmpty()) {
        long[] top = queue.poll();
        long pair = top[1];
        long current = pairCounts.get(pair)[0];
        if (current != top[0]) {
          if (current > 0) {
            queue.add(new long[] {current, pair});
          }
          continue;
        }
        if (current < minFrequency) {
          break;
        }
        merge(pair);
      }
      return new BpeModel(vocab, merges, specials);
    }

    private void merge(long pair) {
      int left = (int) (pair >>> 32);
      int right = (int) pair;
      Integer known = mergedBefore.get(pair);
      int result;
      if (known != null) {
        result = known; // the same pair again, after another merge re-created one of its tokens
      } else {
        String token = vocab.get(left) + vocab.get(right);
        Integer existing = idOf.get(token);
        result = existing != null ? existing : add(token);
        merges.add(new BpeModel.Merge(left, right, result));
        mergedBefore.put(pair, result);
      }
      Map<Long, Boolean> grown = new HashMap<>();
      epoch++;
      IntList holders = wordsWithPair.get(pair);
      for (int k = 0; k < holders.size; k++) {
        int w = holders.items[k];
        if (stamp[w] == epoch) {
          continue;
        }
        stamp[w] = epoch;
        int[] s = symbols[w];
        int[] merged = mergeWord(s, left, right, result);
        if (merged == s) {
          continue; // stale entry: the pair left this word in an earlier merge
        }
        for (int i = 0; i + 1 < s.length; i++) {
          counter(pair(s[i], s[i + 1]))[0] -= counts[w];
        }
        for (int i = 0; i + 1 < merged.length; i++) {
          long p = pair(merged[i], merged[i + 1]);
          counter(p)[0] += counts[w];
          if (merged[i] == result || merged[i + 1] == result) {
            wordsWithPair.computeIfAbsent(p, x -> new IntList()).addOnce(w);
            grown.put(p, Boolean.TRUE);
          }
        }
        symbols[w] = merged;
      }
      for (long p : grown.keySet()) {
        long c = pairCounts.get(p)[0];
        if (c > 0) {
          queue.add(new long[] {c, p});
        }
      }
    }

    private int add(String token) {
      int id = vocab.size();
      vocab.add(token);
      idOf.put(token, id);
      return id;
    }

    private long[] counter(long pair) {
      return pairCounts.computeIfAbsent(pair, p -> new long[1]);
    }
  }

  /** Replaces every (left, right), leftmost first, by {@code result}; the same array if none. */
  static int[] mergeWord(int[] s, int left, int right, int result) {
    int[] out = null;
    int n = 0;
    for (int i = 0; i < s.length; i++) {
      if (i + 1 < s.length && s[i] == left && s[i + 1] == right) {
        if (out == null) {
          out = new int[s.length - 1];
          System.arraycopy(s, 0, out, 0, i);
          n = i;
        }
        out[n++] = result;
        i++;
      } else if (out != null) {
        out[n++] = s[i];
      }
    }
    return out == null ? s : Arrays.copyOf(out, n);
  }

  private static long pair(int left, int right) {
    return ((long) left << 32) | (right & 0xFFFFFFFFL);
  }

  /** A growable int list that skips a value equal to its last one. */
  private static final class IntList {
    int[] items = new int[4];
    int size;

    void addOnce(int v) {
      if (size > 0 && items[size - 1] == v) {
        return;
      }
      if (size == items.length) {
        items = Arrays.copyOf(items, size * 2);
      }
      items[size++] = v;
    }
  }
}
