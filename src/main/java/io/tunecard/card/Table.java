package io.tunecard.card;

import java.util.List;

/**
 * A table for the templates: header cells, column alignment and rows of cells that are already
 * formatted for the language and escaped for Markdown.
 *
 * @param align one of {@code l}, {@code r}, {@code c} per column
 */
public record Table(List<String> header, List<Character> align, List<List<String>> rows) {

  public Table {
    header = List.copyOf(header);
    align = List.copyOf(align);
    rows = rows.stream().map(List::copyOf).toList();
    if (align.size() != header.size()) {
      throw new IllegalArgumentException("align: expected " + header.size() + " columns");
    }
    for (List<String> r : rows) {
      if (r.size() != header.size()) {
        throw new IllegalArgumentException(
            "row " + r + ": expected " + header.size() + " cells, found " + r.size());
      }
    }
  }

  /** The Markdown delimiter row, e.g. {@code |---|--:|}. */
  public String delimiter() {
    StringBuilder sb = new StringBuilder("|");
    for (char a : align) {
      sb.append(
          switch (a) {
            case 'r' -> " ---: |";
            case 'c' -> " :---: |";
            default -> " --- |";
          });
    }
    return sb.toString();
  }

  public boolean isEmpty() {
    return rows.isEmpty();
  }
}
