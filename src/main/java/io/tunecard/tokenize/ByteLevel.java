package io.tunecard.tokenize;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GPT-2's byte-level pre-tokenization, as Hugging Face's {@code ByteLevel} pre-tokenizer applies it
 * with {@code add_prefix_space: false}: the text is split into pieces by the GPT-2 pattern, and
 * each piece's UTF-8 bytes are written as printable characters (bytes_to_unicode: the printable
 * bytes {@code !..~}, {@code ¡..¬}, {@code ®..ÿ} stand for themselves, the other 68 bytes for
 * U+0100 onwards, so a space is {@code Ġ} and a newline {@code Ċ}).
 */
public final class ByteLevel {
  /**
   * The GPT-2 split pattern. {@code \s}, {@code \p{L}}, {@code \p{N}} are Unicode classes, as in
   * the Oniguruma regex the tokenizers library runs.
   */
  public static final Pattern SPLIT =
      Pattern.compile(
          "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
          Pattern.UNICODE_CHARACTER_CLASS);

  private static final char[] BYTE_TO_CHAR = new char[256];
  private static final int[] CHAR_TO_BYTE = new int[512];

  static {
    java.util.Arrays.fill(CHAR_TO_BYTE, -1);
    int next = 0;
    for (int b = 0; b < 256; b++) {
      boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
      char c = printable ? (char) b : (char) (256 + next++);
      BYTE_TO_CHAR[b] = c;
      CHAR_TO_BYTE[c] = b;
    }
  }

  private ByteLevel() {}

  /** The character that stands for byte {@code b} (0..255). */
  public static char charOf(int b) {
    return BYTE_TO_CHAR[b & 0xFF];
  }

  /** The byte a byte-level character stands for, or -1 for any other character. */
  public static int byteOf(char c) {
    return c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
  }

  /** The pieces of {@code text} by the GPT-2 pattern (they cover the text, in order). */
  public static List<String> split(CharSequence text) {
    List<String> out = new ArrayList<>();
    Matcher m = SPLIT.matcher(text);
    while (m.find()) {
      out.add(m.group());
    }
    return out;
  }

  /** A piece written in byte-level characters. */
  public static String encode(String piece) {
    byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
    char[] out = new char[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      out[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
    }
    return new String(out);
  }
}
