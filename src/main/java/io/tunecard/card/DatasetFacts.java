package io.tunecard.card;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The training data: where it came from, how it was split and what was rejected.
 *
 * @param source how it was read, e.g. {@code medquad-xml}; null when not recorded
 * @param splitFractions the split, e.g. train 0.70, validation 0.15, test 0.15
 * @param splitRows rows per split
 * @param splitRowsDerived true when {@code splitRows} and {@code rowsUsable} were derived from the
 *     fractions rather than counted by the run
 * @param rowsRead rows read from the source; null when not recorded
 * @param rowsUsable rows that survived cleaning
 * @param rowsRejected rows rejected
 * @param rejectedByReason rejected rows per reason
 * @param nearDuplicatesAcrossSplits questions that look alike across splits; null when not counted
 * @param overlap evaluated questions that also occur in train; null when not counted
 */
public record DatasetFacts(
    String source,
    Map<String, Double> splitFractions,
    Map<String, Long> splitRows,
    boolean splitRowsDerived,
    Long rowsRead,
    Long rowsUsable,
    Long rowsRejected,
    Map<String, Long> rejectedByReason,
    Long nearDuplicatesAcrossSplits,
    QuestionOverlap overlap) {

  /** Facts without an overlap count. */
  public DatasetFacts(
      String source,
      Map<String, Double> splitFractions,
      Map<String, Long> splitRows,
      boolean splitRowsDerived,
      Long rowsRead,
      Long rowsUsable,
      Long rowsRejected,
      Map<String, Long> rejectedByReason,
      Long nearDuplicatesAcrossSplits) {
    this(
        source,
        splitFractions,
        splitRows,
        splitRowsDerived,
        rowsRead,
        rowsUsable,
        rowsRejected,
        rejectedByReason,
        nearDuplicatesAcrossSplits,
        null);
  }

  public DatasetFacts {
    splitFractions = ordered(splitFractions, "splitFractions");
    splitRows = ordered(splitRows, "splitRows");
    rejectedByReason = ordered(rejectedByReason, "rejectedByReason");
    splitFractions.forEach(
        (k, v) -> {
          if (!(v >= 0 && v <= 1)) {
            throw new IllegalArgumentException(
                "splitFractions." + k + ": expected a number in [0, 1], found " + v);
          }
        });
    for (var e : splitRows.entrySet()) {
      if (e.getValue() < 0) {
        throw new IllegalArgumentException("splitRows." + e.getKey() + ": negative");
      }
    }
  }

  private static <V> Map<String, V> ordered(Map<String, V> map, String name) {
    Objects.requireNonNull(map, name);
    return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(map));
  }
}
