package io.tunecard.card;

import io.tunecard.workflow.Workflow;
import io.tunecard.workflow.WorkflowLoader;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;

/** Test inputs of the card: the seed figures, a hand-made run directory, table readers. */
final class CardFixtures {
  static final List<Locale> ES_EN = List.of(Locale.forLanguageTag("es"), Locale.ENGLISH);

  private CardFixtures() {}

  static Path resource(String name) {
    try {
      return Path.of(CardFixtures.class.getResource(name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A copy of the reference run's published figures (numbers only). */
  static Path figures() {
    return resource("figures");
  }

  /** A run directory written by hand in the formats of docs/run-directory.md. */
  static Path runDir() {
    return resource("run");
  }

  /** The workflow the fixture run directory was "run" with (a copy of the quickstart). */
  static Workflow runWorkflow() {
    return WorkflowLoader.load(resource("run-workflow.yaml"), List.of()).workflow();
  }

  static CardModel runCard() {
    return CardModel.fromRunDirectory(runDir(), runWorkflow());
  }

  /** Every cell of every Markdown table (lines that start with a pipe), trimmed. */
  static List<String> markdownCells(String markdown) {
    List<String> cells = new ArrayList<>();
    for (String line : markdown.split("\n")) {
      if (line.startsWith("|") && !line.matches("\\|[ :\\-|]+\\|")) {
        String inner = line.substring(1, line.length() - 1);
        for (String cell : inner.split("(?<!\\\\)\\|", -1)) {
          cells.add(cell.trim());
        }
      }
    }
    return cells;
  }

  /** Every cell text of every HTML table. */
  static List<String> htmlCells(String html) {
    Document doc = Jsoup.parse(html);
    return doc.select("table td, table th").eachText();
  }

  /** The YAML between the first two {@code ---} lines. */
  static String frontMatter(String markdown) {
    if (!markdown.startsWith("---\n")) {
      throw new AssertionError("README does not start with front matter");
    }
    int end = markdown.indexOf("\n---\n", 4);
    return markdown.substring(4, end + 1);
  }
}
