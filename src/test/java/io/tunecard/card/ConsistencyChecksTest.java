package io.tunecard.card;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunecard.card.CheckResult.Num;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConsistencyChecksTest {
  @Test
  void seedFiguresFlagHeadlinePerplexityCapAndN() {
    List<CheckResult> checks = CardModel.fromFigures(CardFixtures.figures()).checks();
    CheckResult headline = find(checks, "headline", 0.7617);
    assertThat(headline.passed()).isFalse();
    assertThat(find(checks, "headline", 0.700253).passed()).isTrue();
    CheckResult ppl = find(checks, "perplexity", 2.04);
    assertThat(ppl.passed()).isFalse();
    assertThat(((Num) ppl.args().get(3)).value())
        .isCloseTo(2.014, org.assertj.core.data.Offset.offset(0.0005));
    assertThat(find(checks, "perplexity", 2.13).passed()).isFalse();
    assertThat(checks.stream().filter(c -> c.check().equals("cap")))
        .hasSize(6)
        .noneMatch(CheckResult::passed);
    assertThat(checks.stream().filter(c -> c.check().equals("sample_size")))
        .singleElement()
        .satisfies(c -> assertThat(c.passed()).isFalse());
  }

  @Test
  void runDirectoryPassesPerplexityAndHeadlineButFlagsCapHits() {
    List<CheckResult> checks = CardFixtures.runCard().checks();
    assertThat(checks.stream().filter(c -> c.check().equals("perplexity")))
        .hasSize(4)
        .allMatch(CheckResult::passed);
    assertThat(checks.stream().filter(c -> c.check().equals("headline")))
        .allMatch(CheckResult::passed);
    assertThat(checks.stream().filter(c -> c.check().equals("cap")))
        .hasSize(6)
        .noneMatch(CheckResult::passed);
    assertThat(checks.stream().filter(c -> c.check().equals("sample_size")))
        .singleElement()
        .satisfies(c -> assertThat(c.passed()).isTrue());
  }

  @Test
  void precisionAndImpliedN() {
    assertThat(ConsistencyChecks.sameAtPrecision(0.7003, 0.700253)).isTrue();
    assertThat(ConsistencyChecks.sameAtPrecision(0.7617, 0.710358)).isFalse();
    assertThat(ConsistencyChecks.smallestConsistentN(255.67)).isEqualTo(3);
    assertThat(ConsistencyChecks.smallestConsistentN(255.83)).isEqualTo(6);
    assertThat(ConsistencyChecks.smallestConsistentN(256.00)).isEqualTo(1);
  }

  private static CheckResult find(List<CheckResult> checks, String kind, double value) {
    return checks.stream()
        .filter(c -> c.check().equals(kind))
        .filter(c -> c.args().get(1) instanceof Num n && n.value() == value)
        .findFirst()
        .orElseThrow(
            () -> new AssertionError("no " + kind + " check of " + value + " in " + checks));
  }
}
