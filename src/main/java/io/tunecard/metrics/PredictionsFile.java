package io.tunecard.metrics;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a JSON-lines file of answers to score: one object per line with a string {@code id}, a
 * string {@code prediction}, a string {@code reference} and optionally {@code tokens} (the
 * generated token count); other keys are ignored and blank lines skipped. Every bad line is an
 * error naming file and line; ids must be unique.
 */
public final class PredictionsFile {
  private PredictionsFile() {}

  public static List<PredictionRow> read(Path file) {
    List<PredictionRow> rows = new ArrayList<>();
    Map<String, Integer> lineOfId = new HashMap<>();
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      int number = 0;
      while ((line = r.readLine()) != null) {
        number++;
        if (line.isBlank()) {
          continue;
        }
        PredictionRow row = parse(file, number, line);
        Integer earlier = lineOfId.putIfAbsent(row.id(), number);
        if (earlier != null) {
          throw new BadInputException(
              where(file, number) + "id '" + row.id() + "' already appears on line " + earlier);
        }
        rows.add(row);
      }
    } catch (NoSuchFileException e) {
      throw new BadInputException(file + ": file not found");
    } catch (CharacterCodingException e) {
      throw new BadInputException(file + ": not valid UTF-8 text");
    } catch (IOException e) {
      throw new BadInputException(file + ": cannot be read (" + e.getMessage() + ")", e);
    }
    if (rows.isEmpty()) {
      throw new BadInputException(file + ": no rows; expected one JSON object per line");
    }
    return rows;
  }

  private static PredictionRow parse(Path file, int number, String line) {
    JsonNode node;
    try {
      node = Jsonl.MAPPER.readTree(line);
    } catch (JsonProcessingException e) {
      throw new BadInputException(
          where(file, number) + "not valid JSON (" + e.getOriginalMessage() + ")");
    }
    if (node == null || !node.isObject()) {
      throw new BadInputException(where(file, number) + "expected a JSON object");
    }
    JsonNode id = node.get("id");
    String idText;
    if (id != null && id.isTextual() && !id.asText().isEmpty()) {
      idText = id.asText();
    } else if (id != null && id.isIntegralNumber()) {
      idText = id.asText();
    } else {
      throw new BadInputException(
          where(file, number) + "id: expected a non-empty string, found " + describe(id));
    }
    Integer tokens = null;
    JsonNode t = node.get("tokens");
    if (t != null && !t.isNull()) {
      if (!t.isIntegralNumber() || !t.canConvertToInt() || t.asInt() < 0) {
        throw new BadInputException(
            where(file, number) + "tokens: expected a whole number >= 0, found " + describe(t));
      }
      tokens = t.asInt();
    }
    return new PredictionRow(
        idText,
        text(file, number, node, "prediction"),
        text(file, number, node, "reference"),
        tokens);
  }

  private static String text(Path file, int number, JsonNode node, String key) {
    JsonNode v = node.get(key);
    if (v == null || !v.isTextual()) {
      throw new BadInputException(
          where(file, number) + key + ": expected a string, found " + describe(v));
    }
    return v.asText();
  }

  private static String where(Path file, int line) {
    return file + ":" + line + ": ";
  }

  private static String describe(JsonNode v) {
    if (v == null) {
      return "no such key";
    }
    String s = v.toString();
    return s.length() > 40 ? s.substring(0, 40) + "..." : s;
  }
}
