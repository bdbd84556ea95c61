package io.tunecard.ingest;

import io.tunecard.rundir.DatasetRow;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Finds the rows dedupe drops. Exact duplicates: rows whose cleaned (question, answer) are equal
 * keep only the row with the smallest id (string order). Then ids must be unique: of rows that
 * share an id but differ in content, the first read (by file, then place in the file) stays. Both
 * rules depend on the rows alone, never on the order a runner delivers them in.
 */
public final class Duplicates {
  private Duplicates() {}

  private static final Comparator<RowRef> BY_ID =
      Comparator.comparing(RowRef::id)
          .thenComparing(RowRef::file)
          .thenComparingLong(RowRef::ordinal);
  private static final Comparator<RowRef> BY_PLACE =
      Comparator.comparing(RowRef::file).thenComparingLong(RowRef::ordinal);

  /** The key of exact duplicates: SHA-256 of the cleaned question and answer. */
  public static String contentKey(DatasetRow r) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(r.question().getBytes(StandardCharsets.UTF_8));
      md.update((byte) 0);
      md.update(r.answer().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The rejections of every dropped row, for all rows; with {@code byContent} false, ids only. */
  public static List<Rejection> find(Iterable<RowRef> rows, boolean byContent) {
    List<Rejection> rejected = new ArrayList<>();
    List<RowRef> survivors = new ArrayList<>();
    if (byContent) {
      for (List<RowRef> group : groups(rows, RowRef::contentKey).values()) {
        group.sort(BY_ID);
        RowRef kept = group.get(0);
        survivors.add(kept);
        for (RowRef r : group.subList(1, group.size())) {
          rejected.add(
              reject(
                  r,
                  Rejection.DUPLICATE,
                  "same question and answer as " + kept.id() + " (" + kept.file() + ", kept)"));
        }
      }
    } else {
      rows.forEach(survivors::add);
    }
    for (List<RowRef> group : groups(survivors, RowRef::id).values()) {
      group.sort(BY_PLACE);
      RowRef kept = group.get(0);
      for (RowRef r : group.subList(1, group.size())) {
        rejected.add(
            reject(
                r,
                Rejection.DUPLICATE_ID,
                "id "
                    + r.id()
                    + " is already taken by a different row ("
                    + kept.file()
                    + ", "
                    + kept.position()
                    + ", kept)"));
      }
    }
    rejected.sort(Rejection.ORDER);
    return rejected;
  }

  private static Map<String, List<RowRef>> groups(
      Iterable<RowRef> rows, java.util.function.Function<RowRef, String> key) {
    Map<String, List<RowRef>> groups = new HashMap<>();
    for (RowRef r : rows) {
      groups.computeIfAbsent(key.apply(r), k -> new ArrayList<>(1)).add(r);
    }
    return groups;
  }

  private static Rejection reject(RowRef r, String reason, String detail) {
    return new Rejection(r.file(), r.ordinal(), r.position(), r.id(), reason, detail);
  }
}
