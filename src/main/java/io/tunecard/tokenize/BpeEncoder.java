package io.tunecard.tokenize;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;

/**
 * Encodes and decodes text with a {@link BpeModel} the way Hugging Face's tokenizers run the {@code
 * tokenizer.json} tunecard writes: special tokens in the text become their ids (leftmost-longest
 * match); the text between them is split by the GPT-2 pattern, each piece turned into its byte
 * tokens, and within a piece the adjacent pair with the lowest merge rank is merged (leftmost first
 * among equals) until no merge applies. Decoding concatenates the tokens' bytes and reads them as
 * UTF-8. Thread-safe.
 */
public final class BpeEncoder {
  private static final int CACHE_LIMIT = 100_000;

  private final BpeModel model;
  private final Map<Long, long[]> ranks = new HashMap<>(); // pair -> {rank, result}
  private final Map<String, int[]> cache = new ConcurrentHashMap<>();

  public BpeEncoder(BpeModel model) {
    this.model = model;
    List<BpeModel.Merge> merges = model.merges();
    for (int r = 0; r < merges.size(); r++) {
      BpeModel.Merge m = merges.get(r);
      ranks.putIfAbsent(pair(m.left(), m.right()), new long[] {r, m.result()});
    }
  }

  public BpeModel model() {
    return model;
  }

  /** The token ids of {@code text} (no special tokens are added). */
  public int[] encode(String text) {
    int[] out = new int[Math.max(16, text.length() / 3)];
    int n = 0;
    for (SpecialTokens.Segment s : SpecialTokens.segments(text, model.specials())) {
      if (s.special() >= 0) {
        out = ensure(out, n + 1);
        out[n++] = s.special();
        continue;
      }
      Matcher m = ByteLevel.SPLIT.matcher(s.text());
      while (m.find()) {
        int[] piece = piece(m.group());
        out = ensure(out, n + piece.length);
        System.arraycopy(piece, 0, out, n, piece.length);
        n += piece.length;
      }
    }
    return Arrays.copyOf(out, n);
  }

  /** The text of {@code ids}; invalid UTF-8 byte sequences become U+FFFD, as in Hugging Face. */
  public String decode(int[] ids) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(ids.length * 4);
    for (int id : ids) {
      if (id < 0 || id >= model.size()) {
        throw new IllegalArgumentException(
            "token id " + id + " is outside the vocabulary (0.." + (model.size() - 1) + ")");
      }
      String token = model.vocab().get(id);
      for (int i = 0; i < token.length(); i++) {
        int b = ByteLevel.byteOf(token.charAt(i));
        if (b >= 0) {
          bytes.write(b);
        } else {
          byte[] raw = String.valueOf(token.charAt(i)).getBytes(StandardCharsets.UTF_8);
          bytes.write(raw, 0, raw.length);
        }
      }
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private int[] piece(String piece) {
    int[] cached = cache.get(piece);
    if (cached != null) {
      return cached;
    }
    byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
    int[] s = new int[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      s[i] = model.byteId(bytes[i]);
    }
    int len = s.length;
    while (len > 1) {
      long bestRank = Long.MAX_VALUE;
      int bestAt = -1;
      int bestResult = -1;
      for (int i = 0; i + 1 < len; i++) {
        long[] r = ranks.get(pair(s[i], s[i + 1]));
        if (r != null && r[0] < bestRank) {
          bestRank = r[0];
          bestAt = i;
          bestResult = (int) r[1];
        }
      }
      if (bestAt < 0) {
        break;
      }
      s[bestAt] = bestResult;
      System.arraycopy(s, bestAt + 2, s, bestAt + 1, len - bestAt - 2);
      len--;
    }
    int[] result = Arrays.copyOf(s, len);
    if (cache.size() < CACHE_LIMIT) {
      cache.put(piece, result);
    }
    return result;
  }

  private static int[] ensure(int[] a, int size) {
    return size <= a.length ? a : Arrays.copyOf(a, Math.max(size, a.length * 2));
  }

  private static long pair(int left, int right) {
    return ((long) left << 32) | (right & 0xFFFFFFFFL);
  }
}
