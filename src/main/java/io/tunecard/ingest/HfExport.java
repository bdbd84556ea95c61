package io.tunecard.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import io.tunecard.rundir.DatasetRow;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PushbackInputStream;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads the Hugging Face Hub export of MedQuAD ({@code lavita/MedQuAD}: one row per question) as
 * JSON lines or CSV; its parquet files are read by {@link ReadParquet} (Beam's ParquetIO) into the
 * same rows.
 */
public final class HfExport {
  private HfExport() {}

  // The export's column names, verbatim.
  static final String DOCUMENT_ID = "document_id";
  static final String DOCUMENT_SOURCE = "document_source";
  static final String DOCUMENT_URL = "document_url";
  static final String UMLS_CUI = "umls_cui";
  static final String UMLS_SEMANTIC_GROUP = "umls_semantic_group";
  static final String QUESTION_ID = "question_id";
  static final String QUESTION_FOCUS = "question_focus";
  static final String QUESTION_TYPE = "question_type";
  static final String QUESTION = "question";
  static final String ANSWER = "answer";

  /** Columns a CSV header must have; the others of the export are optional. */
  static final List<String> REQUIRED = List.of(DOCUMENT_SOURCE, QUESTION_ID, QUESTION, ANSWER);

  private static final String COLUMNS = String.join(", ", REQUIRED);

  /** {@code parquet}, {@code jsonl} or {@code csv}: the configured format, or by the extension. */
  public static String format(String configured, String fileName) {
    if (!configured.equals("auto")) {
      return configured;
    }
    String lower = fileName.toLowerCase(Locale.ROOT);
    if (lower.endsWith(".jsonl") || lower.endsWith(".ndjson") || lower.endsWith(".json")) {
      return "jsonl";
    }
    if (lower.endsWith(".csv")) {
      return "csv";
    }
    if (lower.endsWith(".parquet")) {
      return "parquet";
    }
    throw new BadInputException(
        fileName
            + ": cannot tell the format from the extension; set dataset.format to parquet, jsonl"
            + " or csv");
  }

  /**
   * Longest JSON line read. A MedQuAD row is under 100 KB (its longest answer has 29,046
   * characters); a longer line is rejected without being held in memory.
   */
  static final int MAX_LINE_BYTES = 4 << 20;

  /**
   * Reads every record of {@code in}; a record that does not parse is a rejection. Text must be
   * UTF-8: a JSON line that is not is rejected with its line number (never decoded with U+FFFD
   * replacements), and a CSV stops being read at the first row that is not.
   *
   * @throws BadInputException for a CSV without the export's header (an empty file included)
   */
  public static Parsed read(InputStream in, String file, String format) throws IOException {
    return format.equals("csv") ? readCsv(in, file) : readJsonl(in, file);
  }

  private static Parsed readJsonl(InputStream in, String file) throws IOException {
    List<Candidate> rows = new ArrayList<>();
    List<Rejection> rejections = new ArrayList<>();
    Utf8Lines lines = new Utf8Lines(in, MAX_LINE_BYTES);
    for (Utf8Lines.Line l = lines.next(); l != null; l = lines.next()) {
      long n = l.number();
      String position = "line " + n;
      if (l.problem() != null) {
        rejections.add(bad(file, n, position, l.problem()));
        continue;
      }
      String line = l.text();
      if (line.isBlank()) {
        continue;
      }
      JsonNode node;
      try {
        node = Jsonl.MAPPER.readTree(line);
      } catch (JsonProcessingException e) {
        rejections.add(bad(file, n, position, "not JSON: " + e.getOriginalMessage()));
        continue;
      }
      if (node == null || !node.isObject()) {
        rejections.add(bad(file, n, position, "expected a JSON object"));
        continue;
      }
      add(key -> first(node.get(key)), file, n, position, rows, rejections);
    }
    return new Parsed(rows, rejections);
  }

  private static Parsed readCsv(InputStream raw, String file) throws IOException {
    List<Candidate> rows = new ArrayList<>();
    List<Rejection> rejections = new ArrayList<>();
    PushbackInputStream in = new PushbackInputStream(raw, 1);
    int firstByte = in.read();
    if (firstByte < 0) {
      throw new BadInputException(
          file + ": the file is empty; expected a CSV header with the export's columns " + COLUMNS);
    }
    in.unread(firstByte);
    Reader reader =
        new InputStreamReader(
            in,
            StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT));
    CsvMapper csv = new CsvMapper();
    CsvSchema schema = CsvSchema.emptySchema().withHeader();
    MappingIterator<Map<String, String>> it;
    CsvSchema header;
    try {
      it = csv.readerForMapOf(String.class).with(schema).readValues(reader);
      header = (CsvSchema) it.getParserSchema();
    } catch (IOException | RuntimeException e) {
      throw new BadInputException(
          file
              + ": line 1: not a CSV header with the export's columns "
              + COLUMNS
              + " ("
              + why(e)
              + ")",
          e);
    }
    try (it) {
      List<String> missing = new ArrayList<>();
      for (String col : REQUIRED) {
        if (header == null || header.column(col) == null) {
          missing.add(col);
        }
      }
      if (!missing.isEmpty()) {
        throw new BadInputException(
            file + ": the CSV header lacks the export's columns " + String.join(", ", missing));
      }
      long n = 0;
      while (true) {
        Map<String, String> record;
        try {
          if (!it.hasNextValue()) {
            break;
          }
          n++;
          record = it.nextValue();
        } catch (IOException | RuntimeException e) {
          rejections.add(
              bad(
                  file,
                  n,
                  "row " + n,
                  "CSV does not parse (" + why(e) + "); the rest of the file is not read"));
          break;
        }
        add(key -> first(record.get(key)), file, n, "row " + n, rows, rejections);
      }
    }
    return new Parsed(rows, rejections);
  }

  /** Adds the row (or the rejection) a record of the export's columns makes. */
  static void candidate(
      JsonNode node,
      String file,
      long ordinal,
      String position,
      List<Candidate> rows,
      List<Rejection> rejections) {
    add(key -> first(node.get(key)), file, ordinal, position, rows, rejections);
  }

  /** What went wrong, in words: "not valid UTF-8" rather than "Input length = 1". */
  private static String why(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof CharacterCodingException) {
        return "not valid UTF-8";
      }
    }
    return e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
  }

  private static void add(
      java.util.function.Function<String, String> get,
      String file,
      long ordinal,
      String position,
      List<Candidate> rows,
      List<Rejection> rejections) {
    String source = get.apply(DOCUMENT_SOURCE);
    String qid = get.apply(QUESTION_ID);
    String question = get.apply(QUESTION);
    String missing =
        source == null || source.isBlank()
            ? DOCUMENT_SOURCE
            : qid == null || qid.isBlank() ? QUESTION_ID : question == null ? QUESTION : null;
    if (missing != null) {
      String id = missing.equals(QUESTION) ? MedQuadXml.rowId(source, null, null, qid) : null;
      rejections.add(
          new Rejection(
              file, ordinal, position, id, Rejection.MISSING_FIELD, "no value for " + missing));
      return;
    }
    String answer = get.apply(ANSWER);
    DatasetRow row =
        new DatasetRow(
            MedQuadXml.rowId(source, get.apply(DOCUMENT_ID), null, qid),
            source,
            get.apply(QUESTION_FOCUS),
            get.apply(QUESTION_TYPE),
            question,
            answer == null ? "" : answer,
            get.apply(DOCUMENT_URL),
            firstItem(get.apply(UMLS_CUI), "[|,;\\s]+"),
            firstItem(get.apply(UMLS_SEMANTIC_GROUP), "[|,;]+"));
    rows.add(new Candidate(file, ordinal, position, row));
  }

  private static Rejection bad(String file, long ordinal, String position, String detail) {
    return new Rejection(file, ordinal, position, null, Rejection.BAD_RECORD, detail);
  }

  /** A JSON value as text: null for null or missing, the first element of an array. */
  private static String first(JsonNode v) {
    if (v == null || v.isNull() || v.isMissingNode()) {
      return null;
    }
    if (v.isArray()) {
      for (JsonNode item : v) {
        if (!item.isNull() && !item.asText().isBlank()) {
          return item.asText();
        }
      }
      return null;
    }
    return v.isValueNode() ? v.asText() : v.toString();
  }

  private static String first(String v) {
    return v == null || v.isEmpty() ? null : v;
  }

  /**
   * The first item of a value that may hold several ("C0221757|C3501835", "['C1', 'C2']"); MedQuAD
   * keeps the first CUI of a focus, and so does the XML reader.
   */
  static String firstItem(String v, String separators) {
    if (v == null) {
      return null;
    }
    String s = v.strip();
    if (s.startsWith("[") && s.endsWith("]")) {
      s = s.substring(1, s.length() - 1);
    }
    for (String part : s.split(separators)) {
      String item = part.strip().replaceAll("^['\"]|['\"]$", "").strip();
      if (!item.isEmpty()) {
        return item;
      }
    }
    return null;
  }
}
