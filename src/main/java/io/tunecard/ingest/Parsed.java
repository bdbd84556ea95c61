package io.tunecard.ingest;

import java.util.List;

/** What one input file gave: candidate rows (not yet cleaned) and rejections. */
public record Parsed(List<Candidate> rows, List<Rejection> rejections) {
  public Parsed {
    rows = List.copyOf(rows);
    rejections = List.copyOf(rejections);
  }
}
