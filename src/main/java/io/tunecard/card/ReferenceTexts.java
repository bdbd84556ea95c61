package io.tunecard.card;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The reference fine-tune as a figures card credits it: its credit line, citation, BibTeX and what
 * its card did not record.
 */
final class ReferenceTexts extends CardWords {
  ReferenceTexts(CardModel card, Messages msg) {
    super(card, msg);
  }

  /** {@code [title](url) by author (year)}, escaped; empty without a reference. */
  public String referenceCredit() {
    ReferenceFacts r = card.reference();
    if (r == null) {
      return msg.get("reference.unnamed");
    }
    String title = MarkdownText.inline(r.title());
    String linked = r.url() == null ? title : "[" + title + "](" + r.url() + ")";
    String author = MarkdownText.inline(r.author());
    return r.year() == null
        ? msg.get("reference.credit", linked, author)
        : msg.get("reference.credit.year", linked, author, Integer.toString(r.year()));
  }

  /** The reference's citation as its figures give it, with its link. */
  public String referenceCitation() {
    ReferenceFacts r = card.reference();
    String text = r.citation() != null ? MarkdownText.inline(r.citation()) : referenceCredit();
    return r.url() == null ? text : text + " <" + r.url() + ">";
  }

  /** A BibTeX entry for the reference (plain text in a code block). */
  public String referenceBibtex() {
    ReferenceFacts r = card.reference();
    String author = r.author().replaceAll("[{}\\\\]", "");
    String[] names = author.split(" ");
    String key =
        (names[names.length > 2 ? names.length - 2 : names.length - 1]
                + (r.year() == null ? "" : r.year()))
            .replaceAll("[^A-Za-z0-9]", "");
    StringBuilder b = new StringBuilder("@misc{").append(key).append(",\n");
    b.append("  author       = {").append(author).append("},\n");
    b.append("  title        = {").append(r.title().replaceAll("[{}\\\\]", "")).append("},\n");
    if (r.year() != null) {
      b.append("  year         = {").append(r.year()).append("},\n");
    }
    b.append("  howpublished = {Hugging Face Hub}");
    if (r.url() != null) {
      b.append(",\n  url          = {").append(r.url()).append("}");
    }
    return b.append("\n}").toString();
  }

  /** What the reference's card does not state, in this language where a key exists. */
  public String notRecordedList() {
    ReferenceFacts r = card.reference();
    if (r == null || r.notRecorded().isEmpty()) {
      return msg.get("value.not_recorded");
    }
    List<String> items = new ArrayList<>();
    for (String s : r.notRecorded()) {
      String key = "notrec." + s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
      items.add(msg.has(key) ? msg.get(key) : MarkdownText.inline(s));
    }
    return String.join("; ", items);
  }
}
