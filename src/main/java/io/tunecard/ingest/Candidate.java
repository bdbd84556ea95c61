package io.tunecard.ingest;

import io.tunecard.rundir.DatasetRow;
import java.io.Serializable;

/**
 * A row on its way to a split, with where it was read, so that a later rejection can still name its
 * file and position.
 *
 * @param file the input file or zip entry, relative to the input
 * @param ordinal the row's place in the file (QAPair index, line or CSV row number)
 * @param position the same place for people
 */
public record Candidate(String file, long ordinal, String position, DatasetRow row)
    implements Serializable {

  private static final long serialVersionUID = 1L;

  public Candidate {
    if (file == null || position == null || row == null) {
      throw new IllegalArgumentException("file, position and row: required in a candidate");
    }
  }

  public String id() {
    return row.id();
  }

  public Candidate withRow(DatasetRow newRow) {
    return new Candidate(file, ordinal, position, newRow);
  }
}
