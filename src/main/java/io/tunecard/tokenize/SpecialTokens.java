package io.tunecard.tokenize;

import java.util.List;

/**
 * The special tokens of tunecard's tokenizers and their ids, which come first in the vocabulary.
 * {@code <unk>}, {@code <s>} and {@code </s>} take Mistral's ids 0, 1 and 2, so model configs keep
 * {@code bos_token_id: 1} and {@code eos_token_id: 2}; the chat-template markers and padding
 * follow. A byte-level vocabulary never needs {@code <unk>} (every byte has a token); it is there
 * for the ids.
 */
public final class SpecialTokens {
  public static final String UNK = "<unk>";
  public static final String BOS = "<s>";
  public static final String EOS = "</s>";
  public static final String INST = "[INST]";
  public static final String INST_END = "[/INST]";
  public static final String PAD = "<pad>";

  /** In id order: {@code <unk>} 0, {@code <s>} 1, {@code </s>} 2, ..., {@code <pad>} 5. */
  public static final List<String> ALL = List.of(UNK, BOS, EOS, INST, INST_END, PAD);

  public static final int UNK_ID = 0;
  public static final int BOS_ID = 1;
  public static final int EOS_ID = 2;
  public static final int INST_ID = 3;
  public static final int INST_END_ID = 4;
  public static final int PAD_ID = 5;

  /** The id of the token for byte 0; byte b has id {@code FIRST_BYTE_ID + b}. */
  public static final int FIRST_BYTE_ID = ALL.size();

  private SpecialTokens() {}

  /** Splits text around special tokens, leftmost-longest first, as Hugging Face's tokenizers do. */
  static List<Segment> segments(String text, List<String> specials) {
    List<Segment> out = new java.util.ArrayList<>();
    int start = 0;
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (c != '<' && c != '[' && !startsAny(specials, c)) {
        i++;
        continue;
      }
      int best = -1;
      for (int s = 0; s < specials.size(); s++) {
        String sp = specials.get(s);
        if (text.startsWith(sp, i) && (best < 0 || sp.length() > specials.get(best).length())) {
          best = s;
        }
      }
      if (best < 0) {
        i++;
        continue;
      }
      if (i > start) {
        out.add(new Segment(text.substring(start, i), -1));
      }
      out.add(new Segment(specials.get(best), best));
      i += specials.get(best).length();
      start = i;
    }
    if (start < text.length()) {
      out.add(new Segment(text.substring(start), -1));
    }
    return out;
  }

  private static boolean startsAny(List<String> specials, char c) {
    for (String s : specials) {
      if (s.charAt(0) == c) {
        return true;
      }
    }
    return false;
  }

  /** A stretch of text: a special token ({@code special >= 0}, its index) or ordinary text. */
  record Segment(String text, int special) {}
}
