package io.tunecard.ingest;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.io.Serializable;
import java.util.Comparator;
import java.util.List;

/**
 * One line of {@code dataset/rejected.jsonl}: a record (or a whole file) that did not make it into
 * a split, and why.
 *
 * @param file the input file or zip entry, relative to the input
 * @param ordinal where in the file (QAPair index, line or row number; -1 for the whole file); it
 *     orders the lines and is not written
 * @param position the same place for people ("QAPair pid=3", "line 12, column 4")
 * @param id the row's id when one was read, else null
 * @param reason one of {@link #REASONS}
 * @param detail what was wrong, with the value found where that helps
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"file", "position", "id", "reason", "detail"})
public record Rejection(
    String file, @JsonIgnore long ordinal, String position, String id, String reason, String detail)
    implements Serializable {

  private static final long serialVersionUID = 1L;

  public static final String EMPTY_ANSWER = "empty_answer";
  public static final String DUPLICATE = "duplicate";
  public static final String DUPLICATE_ID = "duplicate_id";
  public static final String MISSING_FIELD = "missing_field";
  public static final String DOCTYPE = "doctype";
  public static final String MALFORMED_XML = "malformed_xml";
  public static final String BAD_RECORD = "bad_record";
  public static final String ZIP_ENTRY_REFUSED = "zip_entry_refused";
  public static final String FILE_REFUSED = "file_refused";

  public static final List<String> REASONS =
      List.of(
          EMPTY_ANSWER,
          DUPLICATE,
          DUPLICATE_ID,
          MISSING_FIELD,
          DOCTYPE,
          MALFORMED_XML,
          BAD_RECORD,
          ZIP_ENTRY_REFUSED,
          FILE_REFUSED);

  /** The order of rejected.jsonl: by file, then by place in the file. */
  public static final Comparator<Rejection> ORDER =
      Comparator.comparing(Rejection::file)
          .thenComparingLong(Rejection::ordinal)
          .thenComparing(Rejection::position)
          .thenComparing(r -> r.id() == null ? "" : r.id())
          .thenComparing(Rejection::reason);

  public Rejection {
    if (file == null || position == null || detail == null) {
      throw new IllegalArgumentException("file, position and detail: required in a rejection");
    }
    if (!REASONS.contains(reason)) {
      throw new IllegalArgumentException(
          "reason: expected one of " + REASONS + ", found " + reason);
    }
  }

  /** A rejection of a candidate row, at its place in its file. */
  public static Rejection of(Candidate c, String reason, String detail) {
    return new Rejection(c.file(), c.ordinal(), c.position(), c.row().id(), reason, detail);
  }
}
