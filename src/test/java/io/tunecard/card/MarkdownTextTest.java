package io.tunecard.card;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MarkdownTextTest {
  @Test
  void inlineEscapesMarkupAndKeepsOrdinaryText() {
    assertThat(MarkdownText.inline("a <b> & c")).isEqualTo("a &lt;b&gt; &amp; c");
    assertThat(MarkdownText.inline("x|y `z` *w* [l](u) $m$ ~s~ !"))
        .isEqualTo("x\\|y \\`z\\` \\*w\\* \\[l\\](u) \\$m\\$ \\~s\\~ \\!");
    assertThat(MarkdownText.inline("What is (are) glaucoma? 1.5 mg, 50-60 %."))
        .isEqualTo("What is (are) glaucoma? 1.5 mg, 50-60 %.");
    assertThat(MarkdownText.inline("two\nlines\r\n")).isEqualTo("two lines  ");
  }

  @Test
  void quoteProtectsEveryLineStart() {
    assertThat(MarkdownText.quote("# h\n- item\n+ x\n= y\n12. n\n3) m\n\n  indented"))
        .isEqualTo("> \\# h\n> \\- item\n> \\+ x\n> \\= y\n> 12\\. n\n> 3\\) m\n>\n> indented");
    assertThat(MarkdownText.quote("---")).isEqualTo("> \\---");
    assertThat(MarkdownText.quote("  ")).isEqualTo(">");
  }

  @Test
  void codeSpansOutgrowBackticksInside() {
    assertThat(MarkdownText.code("abc")).isEqualTo("`abc`");
    assertThat(MarkdownText.code("a``b")).isEqualTo("```a``b```");
    assertThat(MarkdownText.code("`x")).isEqualTo("`` `x ``");
  }

  // Found by CardEscapingFuzzTest: control characters at a line's start survived strip() and then
  // became spaces, so the quoted line opened an indented code block inside the quote.
  @Test
  void controlCharactersAtALineStartOpenNoCodeBlock() {
    assertThat(MarkdownText.quote("\0\0\0\0\0\0\0\"<1)e title")).isEqualTo("> \"&lt;1)e title");
    assertThat(MarkdownText.quote("ok\n\u0007\u0007\u0007\u0007   - item"))
        .isEqualTo("> ok\n> \\- item");
  }
}
