package io.tunecard.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DiversityTest {
  private static int[] words(String text) {
    return WordTokens.ids(text, new TokenInterner());
  }

  @Test
  void distinctAndRepetitionOfARepeatedPhrase() {
    int[] t = words("a b c a b c");
    assertThat(Diversity.distinct(t, 1)).isEqualTo(3 / 6.0);
    assertThat(Diversity.distinct(t, 2)).isEqualTo(3 / 5.0);
    assertThat(Diversity.repetition3(t)).isEqualTo(1 / 4.0);
  }

  @Test
  void shortAnswersScoreZero() {
    assertThat(Diversity.distinct(words(""), 1)).isZero();
    assertThat(Diversity.distinct(words("one"), 2)).isZero();
    assertThat(Diversity.repetition3(words("one two"))).isZero();
    assertThat(Diversity.repetition3(words("one two three"))).isZero();
  }

  @Test
  void loopingAnswerRepeatsAlmostEverything() {
    int[] t = words("the cell the cell the cell the cell the cell");
    // 8 trigram occurrences, 2 distinct ("the cell the", "cell the cell").
    assertThat(Diversity.repetition3(t)).isEqualTo(6 / 8.0);
  }

  @Test
  void wordsAreLowerCasedAndSplitOnUnicodeWhitespace() {
    assertThat(WordTokens.split("The  the\u00A0THE\tcells.\u0085cells\u3000x"))
        .containsExactly("the", "the", "the", "cells.", "cells", "x");
    assertThat(WordTokens.count("  a\nb\u2009c  ")).isEqualTo(3);
    assertThat(Diversity.distinct(words("The the THE"), 1)).isEqualTo(1 / 3.0);
  }

  @Test
  void hashCollisionsDoNotMergeDistinctNgrams() {
    // Many distinct bigrams over few tokens: every pair (i, j) of 60 tokens once.
    int[] t = new int[2 * 60 * 60];
    int k = 0;
    for (int i = 0; i < 60; i++) {
      for (int j = 0; j < 60; j++) {
        t[k++] = i;
        t[k++] = j;
      }
    }
    assertThat(Diversity.uniqueNgrams(t, 1)).isEqualTo(60);
    assertThat(Diversity.uniqueNgrams(t, 2)).isEqualTo(60 * 60);
  }
}
