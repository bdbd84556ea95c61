package io.tunecard.card;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import org.junit.jupiter.api.Test;

class NumbersTest {
  private final Numbers es = new Numbers(Locale.forLanguageTag("es"));
  private final Numbers en = new Numbers(Locale.ENGLISH);

  @Test
  void decimalMarkFollowsTheLanguage() {
    assertThat(es.decimal(0.700253, 6)).isEqualTo("0,700253");
    assertThat(en.decimal(0.700253, 6)).isEqualTo("0.700253");
    assertThat(es.decimal(0.78, 4, 6)).isEqualTo("0,7800");
    assertThat(es.fixed(256, 2)).isEqualTo("256,00");
    assertThat(en.decimal(2.0, 3)).isEqualTo("2");
  }

  @Test
  void oneThousandsSeparatorPerLanguage() {
    // Spanish: a no-break space from five digits on; English: a comma from four digits on.
    assertThat(es.integer(4308)).isEqualTo("4308");
    assertThat(es.integer(11485)).isEqualTo("11\u00a0485");
    assertThat(es.integer(47457)).isEqualTo("47\u00a0457");
    assertThat(es.fixed(12345.5, 1)).isEqualTo("12\u00a0345,5");
    assertThat(en.integer(999)).isEqualTo("999");
    assertThat(en.integer(2452)).isEqualTo("2,452");
    assertThat(en.integer(16407)).isEqualTo("16,407");
    assertThat(en.fixed(1234.5, 2)).isEqualTo("1,234.50");
  }

  @Test
  void intervalsListsAndSmallNumbers() {
    assertThat(es.interval(0.19, 0.23, 2)).isEqualTo("[0,19; 0,23]");
    assertThat(en.interval(0.19, 0.23, 2)).isEqualTo("[0.19, 0.23]");
    assertThat(en.scientific(2e-4)).isEqualTo("2·10⁻⁴");
    assertThat(es.scientific(0.001)).isEqualTo("0,001");
    assertThat(en.duration(593)).isEqualTo("9 min 53 s");
    assertThat(es.duration(12.34)).isEqualTo("12,3 s");
  }
}
