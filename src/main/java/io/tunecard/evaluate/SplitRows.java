package io.tunecard.evaluate;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import io.tunecard.rundir.DatasetRow;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Reads a split of {@code dataset/}; a bad line is an error naming the file and the line. */
final class SplitRows {
  private SplitRows() {}

  /** Every row, sorted by id; the first {@code limit} only when it is not null. */
  static List<DatasetRow> read(Path file, Integer limit) {
    if (!Files.isRegularFile(file)) {
      throw new BadInputException(file + ": split not found; run the ingest stage first");
    }
    List<DatasetRow> rows = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      int n = 0;
      while ((line = r.readLine()) != null) {
        n++;
        if (line.isBlank()) {
          continue;
        }
        try {
          rows.add(Jsonl.MAPPER.readValue(line, DatasetRow.class));
        } catch (JsonProcessingException e) {
          throw new BadInputException(
              file
                  + ":"
                  + n
                  + ": not a dataset row (expected id, question, answer): "
                  + e.getOriginalMessage(),
              e);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": " + e.getMessage(), e);
    }
    rows.sort(Comparator.comparing(DatasetRow::id));
    for (int i = 1; i < rows.size(); i++) {
      if (rows.get(i).id().equals(rows.get(i - 1).id())) {
        throw new BadInputException(file + ": id '" + rows.get(i).id() + "' appears twice");
      }
    }
    if (rows.isEmpty()) {
      throw new BadInputException(file + ": the split has no rows");
    }
    return limit == null || limit >= rows.size() ? rows : List.copyOf(rows.subList(0, limit));
  }
}
