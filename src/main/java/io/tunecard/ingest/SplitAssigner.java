package io.tunecard.ingest;

import io.tunecard.rundir.DatasetRow;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Puts a row into train, validation or test from the seed and the row alone: the first 64 bits of
 * SHA-256("seed:key") map to a number u in [0, 1), and u below the train fraction means train,
 * below train + validation means validation, else test. The key is the row's id, or with {@code
 * group_by: focus} its focus in near-duplicate form (lower case, letters and digits only), so
 * spelling variants of one focus share a split. Any runner, any rerun and any added row leave a row
 * where it was.
 */
public final class SplitAssigner implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final String TRAIN = "train";
  public static final String VALIDATION = "validation";
  public static final String TEST = "test";

  private final double train;
  private final double validation;
  private final long seed;
  private final boolean byFocus;

  public SplitAssigner(double train, double validation, long seed, boolean byFocus) {
    this.train = train;
    this.validation = validation;
    this.seed = seed;
    this.byFocus = byFocus;
  }

  public static SplitAssigner of(IngestConfig c) {
    return new SplitAssigner(c.train(), c.validation(), c.seed(), c.groupByFocus());
  }

  public String split(DatasetRow row) {
    double u = unit(seed, key(row));
    return u < train ? TRAIN : u < train + validation ? VALIDATION : TEST;
  }

  /** What the row's split is drawn from; a row without a focus falls back to its id. */
  String key(DatasetRow row) {
    if (byFocus && row.focus() != null) {
      String k = Text.nearKey(row.focus());
      if (!k.isEmpty()) {
        return "focus:" + k;
      }
    }
    return "id:" + row.id();
  }

  /** A uniform number in [0, 1) from the seed and the key. */
  static double unit(long seed, String key) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] h = md.digest((seed + ":" + key).getBytes(StandardCharsets.UTF_8));
      long bits = ByteBuffer.wrap(h, 0, 8).getLong();
      return (bits >>> 11) * 0x1.0p-53;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
