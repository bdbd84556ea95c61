package io.tunecard.ingest;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The lines of a UTF-8 stream, each decoded strictly: a line that is not valid UTF-8, or longer
 * than a bound, comes back as a problem with its number instead of text, and the lines after it are
 * read as usual. A line longer than the bound is skipped without being held in memory. Line ends
 * are {@code \n} or {@code \r\n}; a byte order mark before the first line is dropped.
 */
final class Utf8Lines {
  /** One line: its text, or why it has none. */
  record Line(long number, String text, String problem) {}

  private final InputStream in;
  private final int maxBytes;
  private final CharsetDecoder decoder =
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);
  private byte[] buf = new byte[1 << 12];
  private long number;

  Utf8Lines(InputStream in, int maxBytes) {
    this.in = new BufferedInputStream(in, 1 << 16);
    this.maxBytes = maxBytes;
  }

  /** The next line, or null at the end of the stream. */
  Line next() throws IOException {
    int len = 0;
    boolean tooLong = false;
    int b;
    while ((b = in.read()) >= 0 && b != '\n') {
      if (len == maxBytes) {
        tooLong = true;
        continue;
      }
      if (len == buf.length) {
        buf = Arrays.copyOf(buf, Math.min(maxBytes, buf.length * 2));
      }
      buf[len++] = (byte) b;
    }
    if (b < 0 && len == 0 && !tooLong) {
      return null;
    }
    number++;
    if (tooLong) {
      return new Line(number, null, "longer than " + maxBytes + " bytes; skipped unread");
    }
    int from = 0;
    if (number == 1
        && len >= 3
        && buf[0] == (byte) 0xEF
        && buf[1] == (byte) 0xBB
        && buf[2] == (byte) 0xBF) {
      from = 3;
    }
    if (len > from && buf[len - 1] == '\r') {
      len--;
    }
    return decode(from, len);
  }

  private Line decode(int from, int len) {
    ByteBuffer bytes = ByteBuffer.wrap(buf, from, len - from);
    CharBuffer chars = CharBuffer.allocate(len - from);
    decoder.reset();
    CoderResult r = decoder.decode(bytes, chars, true);
    if (!r.isError()) {
      r = decoder.flush(chars);
    }
    if (r.isError()) {
      return new Line(
          number, null, "not valid UTF-8 (byte " + (bytes.position() - from + 1) + " of the line)");
    }
    chars.flip();
    return new Line(number, chars.toString(), null);
  }
}
