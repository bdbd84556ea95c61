package io.tunecard.ingest;

import io.tunecard.files.AtomicFiles;
import io.tunecard.rundir.DatasetRow;
import java.io.IOException;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Writes one split file (rows sorted by id, one JSON object a line) and reports on it. */
public final class SplitWriter {
  private SplitWriter() {}

  /** Writes {@code rows} sorted by id (ids are unique once dedupe ran). */
  public static SplitReport write(Path file, String split, Iterable<DatasetRow> input)
      throws IOException {
    List<DatasetRow> rows = new ArrayList<>();
    input.forEach(rows::add);
    rows.sort(Comparator.comparing(DatasetRow::id));
    MessageDigest sha = sha256();
    TreeMap<String, Long> bySource = new TreeMap<>();
    TreeMap<String, Long> byType = new TreeMap<>();
    int[] answerChars = new int[rows.size()];
    Map<String, SplitReport.NearKey> questions = new HashMap<>();
    AtomicFiles.write(
        file,
        raw -> {
          try (JsonLines lines = new JsonLines(new DigestOutputStream(raw, sha))) {
            for (DatasetRow r : rows) {
              lines.write(r);
            }
          }
        });
    for (int i = 0; i < rows.size(); i++) {
      DatasetRow r = rows.get(i);
      bySource.merge(label(r.source()), 1L, Long::sum);
      byType.merge(label(r.questionType()), 1L, Long::sum);
      answerChars[i] = r.answer().codePointCount(0, r.answer().length());
      // Rows come sorted by id, so the first row seen for a key has its smallest id.
      questions.merge(
          Text.nearKey(r.question()),
          new SplitReport.NearKey(1, r.id(), r.question()),
          (a, b) -> new SplitReport.NearKey(a.count() + 1, a.firstId(), a.question()));
    }
    return new SplitReport(
        split,
        rows.size(),
        HexFormat.of().formatHex(sha.digest()),
        bySource,
        byType,
        answerChars,
        questions);
  }

  /** The sha256 of an empty file. */
  public static String emptySha256() {
    return HexFormat.of().formatHex(sha256().digest());
  }

  private static String label(String s) {
    return s == null ? "(none)" : s;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
