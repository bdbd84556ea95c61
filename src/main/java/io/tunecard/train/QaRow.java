package io.tunecard.train;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A question and its reference answer, read from a {@code dataset/<split>.jsonl} file as the hf
 * worker reads them: the strings as they are (no stripping), rows in file order, the first {@code
 * limit} only.
 */
record QaRow(String id, String question, String answer) {

  /**
   * Reads {@code file}; every row must carry {@code question} and {@code answer} as strings.
   *
   * @param limit the first N rows only (null: all)
   * @throws BadInputException naming the file and line of a bad row, or an empty or missing file
   */
  static List<QaRow> read(Path file, Integer limit) {
    if (!Files.isRegularFile(file)) {
      throw new BadInputException(file + ": file not found (run `tunecard ingest` first)");
    }
    List<QaRow> rows = new ArrayList<>();
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      int n = 0;
      while ((line = in.readLine()) != null) {
        n++;
        if (line.isBlank()) {
          continue;
        }
        if (limit != null && rows.size() >= limit) {
          break;
        }
        JsonNode o;
        try {
          o = Jsonl.MAPPER.readTree(line);
        } catch (IOException e) {
          throw new BadInputException(file + ": line " + n + ": not JSON (" + firstLine(e) + ")");
        }
        for (String key : List.of("question", "answer")) {
          if (o == null || !o.path(key).isTextual()) {
            throw new BadInputException(
                file + ": line " + n + ": key '" + key + "': expected a string");
          }
        }
        rows.add(
            new QaRow(
                o.path("id").asText("line " + n),
                o.get("question").asText(),
                o.get("answer").asText()));
      }
    } catch (IOException e) {
      throw new BadInputException(file + ": cannot read (" + e.getMessage() + ")", e);
    }
    if (rows.isEmpty()) {
      throw new BadInputException(file + ": no rows");
    }
    return rows;
  }

  private static String firstLine(Exception e) {
    String m = String.valueOf(e.getMessage());
    return m.lines().findFirst().orElse(m);
  }
}
