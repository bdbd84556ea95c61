package io.tunecard.ingest;

import java.io.Serializable;

/**
 * What dedupe needs to know of a row: its content key (a hash of the cleaned question and answer),
 * its id, and where it was read. Dedupe decides on these small records instead of moving whole
 * answers around.
 */
public record RowRef(String contentKey, String id, String file, long ordinal, String position)
    implements Serializable {

  private static final long serialVersionUID = 1L;

  public static RowRef of(Candidate c) {
    return new RowRef(Duplicates.contentKey(c.row()), c.id(), c.file(), c.ordinal(), c.position());
  }

  /** The row's place, unique across the input: file and ordinal. */
  public String place() {
    return place(file, ordinal);
  }

  static String place(String file, long ordinal) {
    return file + "#" + ordinal;
  }
}
