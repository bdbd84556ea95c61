package io.tunecard.card;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunecard.cli.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tunecard card --figures} on the reference run's published figures: every number of its
 * training log and decoding table is in the tables of both outputs, formatted per language, and the
 * consistency section flags what the reference card got wrong.
 */
class FiguresCardTest {
  @TempDir static Path out;
  static String readmeEs;
  static String readmeEn;
  static String htmlEs;
  static String htmlEn;

  @BeforeAll
  static void render() throws IOException {
    StringWriter stdout = new StringWriter();
    StringWriter stderr = new StringWriter();
    int code =
        Main.run(
            new String[] {
              "card",
              "--figures",
              CardFixtures.figures().toString(),
              "--out",
              out.toString(),
              "--lang",
              "es,en"
            },
            new PrintWriter(stdout),
            new PrintWriter(stderr));
    assertThat(code).as(stderr.toString()).isZero();
    assertThat(stdout.toString()).contains("consistency checks flagged");
    readmeEs = read("README.md");
    readmeEn = read("README.en.md");
    htmlEs = read("index.html");
    htmlEn = read("index.en.html");
  }

  private static String read(String name) throws IOException {
    return Files.readString(out.resolve(name), StandardCharsets.UTF_8);
  }

  /** A CSV number as the card shows it: trailing zeros dropped down to {@code min} decimals. */
  /** As the card shows a number: its decimal mark, and thousands grouped as Numbers groups them. */
  static String shown(String csv, int min, char decimalMark) {
    BigDecimal d = new BigDecimal(csv).stripTrailingZeros();
    if (d.scale() < min) {
      d = d.setScale(min);
    }
    String plain = d.toPlainString();
    long whole = d.abs().longValue();
    if (decimalMark == '.' && whole >= 1000) {
      String[] parts = plain.split("\\.");
      String grouped = String.format(java.util.Locale.ENGLISH, "%,d", Long.parseLong(parts[0]));
      return parts.length > 1 ? grouped + "." + parts[1] : grouped;
    }
    return plain.replace('.', decimalMark);
  }

  /** Expected cells: (CSV text, minimum decimals) for every number of both CSV files. */
  static List<String[]> numbers() throws IOException {
    List<String[]> out = new ArrayList<>();
    List<String> log = Files.readAllLines(CardFixtures.figures().resolve("training_log.csv"));
    for (String line : log.subList(1, log.size())) {
      String[] f = line.split(",", -1);
      out.add(new String[] {f[0], "0"});
      out.add(new String[] {f[1], "2"});
      for (int i = 2; i < 4; i++) {
        if (!f[i].isEmpty()) {
          out.add(new String[] {f[i], "4"});
        }
      }
    }
    List<String> eval = Files.readAllLines(CardFixtures.figures().resolve("decoding_eval.csv"));
    for (String line : eval.subList(1, eval.size())) {
      String[] f = line.split(",", -1);
      out.add(new String[] {f[1], "2"});
      for (int i = 2; i < f.length; i++) {
        out.add(new String[] {f[i], "4"});
      }
    }
    return out;
  }

  @Test
  void everyNumberOfTheTrainingLogAndDecodingTableIsInEveryTable() throws IOException {
    List<String[]> numbers = numbers();
    assertThat(numbers).hasSize(46 * 2 + 43 + 3 + 6 * 6);
    List<String> mdEs = CardFixtures.markdownCells(readmeEs);
    List<String> mdEn = CardFixtures.markdownCells(readmeEn);
    List<String> htEs = CardFixtures.htmlCells(htmlEs);
    List<String> htEn = CardFixtures.htmlCells(htmlEn);
    for (String[] n : numbers) {
      int min = Integer.parseInt(n[1]);
      String es = shown(n[0], min, ',');
      String en = shown(n[0], min, '.');
      assertThat(mdEs).as("README.md cell for %s", n[0]).contains(es);
      assertThat(htEs).as("index.html cell for %s", n[0]).contains(es);
      assertThat(mdEn).as("README.en.md cell for %s", n[0]).contains(en);
      assertThat(htEn).as("index.en.html cell for %s", n[0]).contains(en);
    }
    // Spanish tables use the decimal comma, never the point.
    assertThat(mdEs).doesNotContain("0.700253", "255.83");
    assertThat(htEs).doesNotContain("0.700253", "255.83");
  }

  @Test
  void theConsistencySectionFlagsTheHeadlineLossAndThePerplexity() {
    List<String> es =
        CardFixtures.markdownCells(section(readmeEs, "## Comprobaciones de coherencia"));
    String headline = row(es, "0,7617 no es ninguna");
    assertThat(headline).contains("⚠ señalada", "0,721013", "0,700253", "0,710358");
    String perplexity = row(es, "2,04 no es exp(0,700253) = 2,014");
    assertThat(perplexity).contains("⚠ señalada");
    assertThat(row(es, "2,13 no es exp(0,7617) = 2,142")).contains("⚠ señalada");
    List<String> en = CardFixtures.markdownCells(section(readmeEn, "## Consistency checks"));
    assertThat(row(en, "loss 0.7617 is none of the logged")).contains("⚠ flagged");
    assertThat(row(en, "perplexity 2.04 is not exp(0.700253) = 2.014")).contains("⚠ flagged");
    assertThat(row(en, "loss 0.700253 is among")).contains("✓ passed");
    assertThat(String.join(" ", en)).contains("within 1 % of the cap of 256", "n is not recorded");
    assertThat(htmlEn).contains("perplexity 2.04 is not exp(0.700253) = 2.014");
    assertThat(htmlEs).contains("la pérdida 0,7617 no es ninguna de las pérdidas");
  }

  @Test
  void sectionsWithoutDataSaySoHonestly() {
    assertThat(readmeEn)
        .contains("Not recorded by the reference run: it published no generated answers.")
        .contains("Not recorded by the reference run: it published no command")
        .contains("Not recorded by the reference run: it published no scores for the base model.")
        .contains("Stage timings were not recorded.");
    assertThat(readmeEs).contains("No registrado por la ejecución de referencia");
  }

  @Test
  void markdownLinksItsPngChartsAndHtmlInlinesSvg() {
    assertThat(readmeEs).contains("(assets/loss.es.png)", "(assets/rougeL.es.png)");
    assertThat(readmeEn).contains("(assets/loss.en.png)");
    assertThat(Files.exists(out.resolve("assets/loss.es.png"))).isTrue();
    assertThat(htmlEs).contains("<svg").doesNotContain("assets/loss.es.png");
  }

  /** From a heading to the next heading of the same level. */
  static String section(String markdown, String heading) {
    int start = markdown.indexOf(heading + "\n");
    assertThat(start).as(heading).isNotNegative();
    int end = markdown.indexOf("\n## ", start + heading.length());
    return markdown.substring(start, end < 0 ? markdown.length() : end);
  }

  /** The three cells (check, result, detail) of the row whose detail contains {@code text}. */
  static String row(List<String> cells, String text) {
    for (int i = 0; i < cells.size(); i++) {
      if (cells.get(i).contains(text)) {
        return String.join(" | ", cells.subList(Math.max(0, i - 2), i + 1));
      }
    }
    throw new AssertionError("no table row contains '" + text + "' in " + cells);
  }
}
