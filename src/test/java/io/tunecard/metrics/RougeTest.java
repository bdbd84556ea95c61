package io.tunecard.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The test cases of {@code rouge_score}'s {@code rouge_scorer_test.py}, including every case it
 * checks against ROUGE-1.5.5, to 1e-5. Not ported: {@code testRougeLsumLarge} (its 140 KB data
 * files are not carried), the invalid-type checks (our API has no type strings) and the private
 * helper tests, whose behaviour the Lsum cases cover.
 */
class RougeTest {
  private static final double TOL = 1e-5;
  private static final Rouge PLAIN = new Rouge(false);
  private static final Rouge STEMMED = new Rouge(true);

  static String resource(String name) throws IOException {
    try (InputStream in = RougeTest.class.getResourceAsStream("rouge/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** Python's readlines(): lines with their newline. */
  static List<String> lines(String name) throws IOException {
    return resource(name).lines().map(l -> l + "\n").toList();
  }

  static void assertScore(RougeScore s, double recall, double precision, double f) {
    assertThat(s.recall()).isCloseTo(recall, within(TOL));
    assertThat(s.precision()).isCloseTo(precision, within(TOL));
    assertThat(s.f()).isCloseTo(f, within(TOL));
  }

  @Test
  void rouge1() {
    assertScore(PLAIN.rougeN(1, "testing one two", "testing"), 1 / 3.0, 1, 1 / 2.0);
  }

  @Test
  void emptyPredictionScoresZero() {
    assertScore(PLAIN.rougeN(1, "testing one two", ""), 0, 0, 0);
    assertScore(PLAIN.rougeN(2, "testing one two", ""), 0, 0, 0);
    assertScore(PLAIN.rougeL("testing one two", ""), 0, 0, 0);
    assertScore(PLAIN.rougeLsum("testing one two", ""), 0, 0, 0);
  }

  @Test
  void rouge2() {
    assertScore(PLAIN.rougeN(2, "testing one two", "testing one"), 1 / 2.0, 1, 2 / 3.0);
  }

  @Test
  void rougeLConsecutiveAndNonConsecutive() {
    assertScore(PLAIN.rougeL("testing one two", "testing one"), 2 / 3.0, 1, 4 / 5.0);
    assertScore(PLAIN.rougeL("testing one two", "testing two"), 2 / 3.0, 1, 4 / 5.0);
  }

  @Test
  void rouge1AgainstRouge155() throws IOException {
    List<String> t = lines("target.txt");
    List<String> p = lines("prediction.txt");
    assertScore(PLAIN.rougeN(1, t.get(0), p.get(0)), 0.40741, 0.68750, 0.51163);
    assertScore(PLAIN.rougeN(1, t.get(1), p.get(1)), 0.40476, 0.65385, 0.50000);
  }

  @Test
  void rouge1AgainstRouge155WithStemming() throws IOException {
    List<String> t = lines("target.txt");
    List<String> p = lines("prediction.txt");
    assertScore(STEMMED.rougeN(1, t.get(0), p.get(0)), 0.40741, 0.68750, 0.51163);
    assertScore(STEMMED.rougeN(1, t.get(1), p.get(1)), 0.42857, 0.69231, 0.52941);
  }

  @Test
  void rouge2AgainstRouge155WithAndWithoutStemming() throws IOException {
    List<String> t = lines("target.txt");
    List<String> p = lines("prediction.txt");
    for (Rouge r : List.of(PLAIN, STEMMED)) {
      assertScore(r.rougeN(2, t.get(0), p.get(0)), 0.30769, 0.53333, 0.39024);
      assertScore(r.rougeN(2, t.get(1), p.get(1)), 0.29268, 0.48000, 0.36364);
    }
  }

  @Test
  void rougeLAgainstRouge155() throws IOException {
    List<String> t = lines("target.txt");
    List<String> p = lines("prediction.txt");
    assertScore(PLAIN.rougeL(t.get(0), p.get(0)), 0.40741, 0.68750, 0.51163);
    assertScore(PLAIN.rougeL(t.get(1), p.get(1)), 0.40476, 0.65385, 0.50000);
  }

  @Test
  void rougeLsumAgainstRouge155WithStemming() throws IOException {
    RougeScore s =
        STEMMED.rougeLsum(resource("target_multi.0.txt"), resource("prediction_multi.0.txt"));
    assertScore(s, 0.36538, 0.66667, 0.47205);
  }

  @Test
  void lcsTable() {
    int[] ref = {1, 2, 3, 4, 5};
    int[] c1 = {2, 5, 3, 4};
    assertThat(Rouge.lcsLength(ref, c1)).isEqualTo(3);
    assertThat(Rouge.lcsIndices(ref, c1)).containsExactly(1, 2, 3);
    int[] c2 = {8, 9};
    assertThat(Rouge.lcsLength(ref, c2)).isZero();
    assertThat(Rouge.lcsIndices(ref, c2)).isEmpty();
  }

  @Test
  void summaryLevelLcs() {
    RougeScore s = PLAIN.rougeLsum("w1 w2 w3 w4 w5", "w1 w2 w6 w7 w8\nw1 w3 w8 w9 w5");
    assertThat(s.recall()).isEqualTo(0.8);
    assertThat(s.precision()).isEqualTo(0.4);
    assertThat(s.f()).isCloseTo(0.5333, within(1e-3));
    assertScore(PLAIN.rougeLsum("w1 w2 w3 w4 w5", ""), 0, 0, 0);
    assertScore(PLAIN.rougeLsum("", "w1"), 0, 0, 0);
    assertScore(PLAIN.rougeLsum("w1 w2 w3 w4 w5", "/"), 0, 0, 0);
  }

  @Test
  void tokenizerMatchesRougeScore() {
    RougeTokenizer t = new RougeTokenizer(false);
    assertThat(t.tokenize("one Two three")).containsExactly("one", "two", "three");
    assertThat(t.tokenize("one\n Two \nthree")).containsExactly("one", "two", "three");
    // Non-[a-z0-9] characters separate tokens; Unicode lower-casing happens first.
    assertThat(t.tokenize("Café au-lait, 2x/day"))
        .containsExactly("caf", "au", "lait", "2x", "day");
    assertThat(t.tokenize("\u212Aelvin \u0130stanbul")).containsExactly("kelvin", "i", "stanbul");
    assertThat(new RougeTokenizer(true).tokenize("The cats ran quickly"))
        .containsExactly("the", "cat", "ran", "quickli");
  }

  @Test
  void bitParallelLcsEqualsTheDynamicProgrammingTable() {
    SplittableRandom rng = new SplittableRandom(7);
    for (int trial = 0; trial < 300; trial++) {
      int[] a = rng.ints(rng.nextInt(0, 300), 0, 1 + rng.nextInt(1, 40)).toArray();
      int[] b = rng.ints(rng.nextInt(0, 300), 0, 1 + rng.nextInt(1, 40)).toArray();
      assertThat(Rouge.lcsLength(a, b)).as("trial %d", trial).isEqualTo(naiveLcs(a, b));
    }
  }

  private static int naiveLcs(int[] a, int[] b) {
    int[][] t = new int[a.length + 1][b.length + 1];
    for (int i = 1; i <= a.length; i++) {
      for (int j = 1; j <= b.length; j++) {
        t[i][j] = a[i - 1] == b[j - 1] ? t[i - 1][j - 1] + 1 : Math.max(t[i - 1][j], t[i][j - 1]);
      }
    }
    return t[a.length][b.length];
  }
}
