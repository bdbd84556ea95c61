package io.tunecard.train;

import io.tunecard.files.AtomicFiles;
import io.tunecard.files.BadInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The validation rows an evaluation during training scores when {@code train.eval_limit} bounds
 * them: {@code limit} rows spread evenly over the split (row {@code floor(i × n / limit)} for i =
 * 0..limit-1). The split is sorted by id, so its first rows all come from one source; an even
 * spread keeps the sources' mix. The sample is written as a file that the worker reads whole, so
 * both engines score exactly the same rows.
 */
final class ValidationSample {
  private ValidationSample() {}

  /** Writes the sample of {@code split} to {@code target} (atomically); returns its row count. */
  static int write(Path split, int limit, Path target) throws IOException {
    if (!Files.isRegularFile(split)) {
      throw new BadInputException(split + ": file not found (run `tunecard ingest` first)");
    }
    List<String> rows = new ArrayList<>();
    for (String line : Files.readAllLines(split, StandardCharsets.UTF_8)) {
      if (!line.isBlank()) {
        rows.add(line);
      }
    }
    List<String> picked = pick(rows, limit);
    AtomicFiles.writeString(target, String.join("\n", picked) + (picked.isEmpty() ? "" : "\n"));
    return picked.size();
  }

  static <T> List<T> pick(List<T> rows, int limit) {
    int n = rows.size();
    if (limit >= n) {
      return List.copyOf(rows);
    }
    List<T> out = new ArrayList<>(limit);
    for (int i = 0; i < limit; i++) {
      out.add(rows.get((int) ((long) i * n / limit)));
    }
    return out;
  }
}
