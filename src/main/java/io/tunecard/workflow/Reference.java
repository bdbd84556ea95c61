package io.tunecard.workflow;

import java.math.BigDecimal;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The key tables of docs/workflow.md, written from the declarations: each {@code <!-- settings:
 * PATH -->} ... {@code <!-- /settings -->} block of the file is the table of that section's {@link
 * Setting}s (key, default, allowed values, meaning). {@code ReferenceTest} fails when the committed
 * file differs from what {@link #refresh} writes, so a default, a bound or a help text is changed
 * in its declaration only.
 */
public final class Reference {

  /** One table: a section's key path and its declared keys. */
  public record Table(String path, List<Setting<?>> settings) {
    /** The name of its block in the file: the path, or {@code top-level}. */
    public String label() {
      return path.isEmpty() ? "top-level" : path;
    }
  }

  /** Every section's table, in the file's order. */
  public static final List<Table> TABLES =
      List.of(
          new Table("", Workflow.SETTINGS),
          new Table("dataset", DatasetSpec.SETTINGS),
          new Table("dataset.split", SplitSpec.SETTINGS),
          new Table("model", ModelSpec.SETTINGS),
          new Table("model.tokenizer", TokenizerSpec.SETTINGS),
          new Table("model.scratch", ScratchSpec.SETTINGS),
          new Table("lora", LoraSpec.SETTINGS),
          new Table("train", TrainSpec.SETTINGS),
          new Table("eval", EvalSpec.SETTINGS),
          new Table("eval.strategies[]", StrategySpec.SETTINGS),
          new Table("eval.bertscore", BertScoreSpec.SETTINGS),
          new Table("card", CardSpec.SETTINGS),
          new Table("publish", PublishSpec.SETTINGS));

  private static final Pattern BLOCK =
      Pattern.compile("(<!-- settings: (\\S+) -->\n)(.*?)(<!-- /settings -->)", Pattern.DOTALL);

  private Reference() {}

  /** {@code doc} with every settings block replaced by its section's table. */
  public static String refresh(String doc) {
    Matcher m = BLOCK.matcher(doc);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String path = m.group(2);
      Table t =
          TABLES.stream()
              .filter(x -> x.label().equals(path))
              .findFirst()
              .orElseThrow(() -> new IllegalArgumentException("no settings section " + path));
      m.appendReplacement(
          out, Matcher.quoteReplacement(m.group(1) + table(t.settings()) + m.group(4)));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** The Markdown table of {@code settings}, one row each, ending with a newline. */
  public static String table(List<Setting<?>> settings) {
    StringBuilder out =
        new StringBuilder("| key | default | allowed | meaning |\n|---|---|---|---|\n");
    for (Setting<?> s : settings) {
      out.append("| `")
          .append(s.key())
          .append("` | ")
          .append(shownDefault(s))
          .append(" | ")
          .append(allowed(s))
          .append(" | ")
          .append(s.help())
          .append(" |\n");
    }
    return out.toString();
  }

  static String shownDefault(Setting<?> s) {
    if (s.shown() != null) {
      return s.shown();
    }
    Object v = s.fallback();
    if (v == null) {
      return "`null`";
    }
    if (v instanceof Double d) {
      return "`" + number(d) + "`";
    }
    if (v instanceof List<?> list) {
      return "`[" + list.stream().map(String::valueOf).collect(Collectors.joining(", ")) + "]`";
    }
    return "`" + v + "`";
  }

  static String allowed(Setting<?> s) {
    return switch (s.kind()) {
      case INT, LONG -> {
        if (s.min() <= Long.MIN_VALUE) {
          yield "any integer";
        }
        long min = (long) s.min();
        yield s.bounded() ? min + " to " + (long) s.max() : "≥ " + min;
      }
      case NUMBER ->
          s.max() >= Double.MAX_VALUE
              ? (s.openLow() ? "> " : "≥ ") + number(s.min())
              : (s.openLow() ? "(" : "[") + number(s.min()) + ", " + number(s.max()) + "]";
      case FINITE -> "a finite number";
      case CHOICE -> words(s.allowed());
      case FLAG -> "`true`, `false`";
      case TEXT -> "a string";
      case STEPS -> "a step count ≥ 1, " + words(s.allowed());
      case LIST -> "one or more of " + words(s.allowed());
    };
  }

  private static String words(List<String> values) {
    return values.stream().map(v -> "`" + v + "`").collect(Collectors.joining(", "));
  }

  /** 64, 0.999, 2e-4, 1e6: as a person writes it in YAML. */
  static String number(double d) {
    double a = Math.abs(d);
    if (d == Math.rint(d) && a < 1e6) {
      return Long.toString((long) d);
    }
    BigDecimal b = new BigDecimal(Double.toString(d)).stripTrailingZeros();
    if (a >= 0.01 && a < 1e6) {
      return b.toPlainString();
    }
    int exponent = b.precision() - b.scale() - 1;
    return b.movePointLeft(exponent).stripTrailingZeros().toPlainString() + "e" + exponent;
  }
}
