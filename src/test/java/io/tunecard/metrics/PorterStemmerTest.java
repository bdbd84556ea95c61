package io.tunecard.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class PorterStemmerTest {
  private final PorterStemmer stemmer = new PorterStemmer();

  /** NLTK's own doctest for PorterStemmer() (stem.doctest), default NLTK_EXTENSIONS mode. */
  @Test
  void nltkDoctestPlurals() {
    String[] plurals = {
      "caresses",
      "flies",
      "dies",
      "mules",
      "denied",
      "died",
      "agreed",
      "owned",
      "humbled",
      "sized",
      "meeting",
      "stating",
      "siezing",
      "itemization",
      "sensational",
      "traditional",
      "reference",
      "colonizer",
      "plotted"
    };
    String stems = String.join(" ", Arrays.stream(plurals).map(stemmer::stem).toList());
    assertThat(stems)
        .isEqualTo(
            "caress fli die mule deni die agre own humbl size meet state siez item sensat tradit"
                + " refer colon plot");
  }

  @Test
  void irregularFormsAndShortWords() {
    assertThat(stemmer.stem("dying")).isEqualTo("die");
    assertThat(stemmer.stem("skies")).isEqualTo("sky");
    assertThat(stemmer.stem("proceed")).isEqualTo("proceed");
    assertThat(stemmer.stem("is")).isEqualTo("is");
  }

  @Test
  void measureCountsVowelConsonantPairs() {
    assertThat(PorterStemmer.measure("tr")).isZero();
    assertThat(PorterStemmer.measure("tree")).isZero();
    assertThat(PorterStemmer.measure("trouble")).isEqualTo(1);
    assertThat(PorterStemmer.measure("oats")).isEqualTo(1);
    assertThat(PorterStemmer.measure("troubles")).isEqualTo(2);
    assertThat(PorterStemmer.measure("private")).isEqualTo(2);
  }
}
