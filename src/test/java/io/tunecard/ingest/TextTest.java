package io.tunecard.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TextTest {
  @Test
  void collapsesEveryRunOfWhitespaceAndTrims() {
    assertThat(Text.collapseWhitespace("")).isEmpty();
    assertThat(Text.collapseWhitespace("   \n\t ")).isEmpty();
    assertThat(Text.collapseWhitespace("a")).isEqualTo("a");
    assertThat(Text.collapseWhitespace("  a  ")).isEqualTo("a");
    assertThat(Text.collapseWhitespace("a b")).isEqualTo("a b");
    assertThat(Text.collapseWhitespace("a  b")).isEqualTo("a b");
    assertThat(Text.collapseWhitespace("a\nb")).isEqualTo("a b");
    assertThat(Text.collapseWhitespace("Key Points\n                    - Adult  ALL\r\n"))
        .isEqualTo("Key Points - Adult ALL");
    assertThat(Text.collapseWhitespace("no\u00a0break\u2009thin \u3000ideographic"))
        .isEqualTo("no break thin ideographic");
    assertThat(Text.collapseWhitespace("trailing ")).isEqualTo("trailing");
    assertThat(Text.collapseWhitespace(" leading")).isEqualTo("leading");
  }

  @Test
  void returnsTheSameStringWhenNothingChanges() {
    String s = "What is (are) Gout ?";
    assertThat(Text.collapseWhitespace(s)).isSameAs(s);
  }

  @Test
  void decodesReferencesExactlyOnce() {
    assertThat(Text.decodeEntities("D&amp;C")).isEqualTo("D&C");
    assertThat(Text.decodeEntities("&amp;lt;")).isEqualTo("&lt;");
    assertThat(Text.decodeEntities("a&nbsp;b")).isEqualTo("a\u00a0b");
    assertThat(Text.clean("a&nbsp;b")).isEqualTo("a b");
    assertThat(Text.decodeEntities("&#65;&#x42;&eacute;")).isEqualTo("ABé");
  }

  @Test
  void leavesTextThatIsNoReferenceAlone() {
    assertThat(Text.decodeEntities("D&C")).isEqualTo("D&C");
    assertThat(Text.decodeEntities("?a=1&copy=2")).isEqualTo("?a=1&copy=2");
    assertThat(Text.decodeEntities("&notanentity;")).isEqualTo("&notanentity;");
    assertThat(Text.decodeEntities("&#0; &#xD800; &#99999999;"))
        .isEqualTo("&#0; &#xD800; &#99999999;");
    String plain = "no ampersand";
    assertThat(Text.decodeEntities(plain)).isSameAs(plain);
  }

  @Test
  void nearKeyKeepsOnlyLowerCaseLettersAndDigits() {
    assertThat(Text.nearKey("What is (are) Gout ?")).isEqualTo("whatisaregout");
    assertThat(Text.nearKey("what is  gout")).isEqualTo("whatisgout");
    assertThat(Text.nearKey("Alzheimer's Disease")).isEqualTo(Text.nearKey("alzheimers disease"));
    assertThat(Text.nearKey("?!")).isEmpty();
  }
}
