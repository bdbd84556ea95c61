package io.tunecard.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.files.Jsonl;
import io.tunecard.model.safetensors.SafetensorsFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Path;

/**
 * The reference fixtures made by scripts/fixtures/make_fixtures.py with transformers and PEFT
 * (committed under src/test/resources/fixtures).
 */
public final class Fixtures {
  private Fixtures() {}

  public static Path dir() {
    try {
      return Path.of(Fixtures.class.getResource("/fixtures/batch.json").toURI()).getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  public static Path path(String name) {
    return dir().resolve(name);
  }

  public static JsonNode json(String name) {
    try {
      return Jsonl.MAPPER.readTree(path(name).toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static JsonNode batch() {
    return json("batch.json");
  }

  /** A tensor of tensors.safetensors as floats. */
  public static float[] tensor(String name) {
    try (SafetensorsFile f = SafetensorsFile.open(path("tensors.safetensors"))) {
      return f.floats(name);
    }
  }

  public static boolean has(String name) {
    try (SafetensorsFile f = SafetensorsFile.open(path("tensors.safetensors"))) {
      return f.tensors().containsKey(name);
    }
  }

  public static long[][] longs(JsonNode rows) {
    long[][] out = new long[rows.size()][];
    for (int i = 0; i < rows.size(); i++) {
      out[i] = new long[rows.get(i).size()];
      for (int j = 0; j < out[i].length; j++) {
        out[i][j] = rows.get(i).get(j).asLong();
      }
    }
    return out;
  }

  public static int[][] ints(JsonNode rows) {
    int[][] out = new int[rows.size()][];
    for (int i = 0; i < rows.size(); i++) {
      out[i] = new int[rows.get(i).size()];
      for (int j = 0; j < out[i].length; j++) {
        out[i][j] = rows.get(i).get(j).asInt();
      }
    }
    return out;
  }

  /** The right-padded training batch with its labels. */
  public static TokenBatch trainingBatch() {
    JsonNode b = batch();
    return new TokenBatch(
        longs(b.get("input_ids")), ints(b.get("attention_mask")), longs(b.get("labels")));
  }

  /** Largest |a - b| over positions whose attention mask is 1; arrays are (batch, len, vocab). */
  public static double maxAbsDiffOnTokens(float[] a, float[] b, int[][] mask, int vocab) {
    double max = 0;
    int len = mask[0].length;
    for (int i = 0; i < mask.length; i++) {
      for (int t = 0; t < len; t++) {
        if (mask[i][t] == 0) {
          continue;
        }
        int base = (i * len + t) * vocab;
        for (int v = 0; v < vocab; v++) {
          max = Math.max(max, Math.abs(a[base + v] - b[base + v]));
        }
      }
    }
    return max;
  }

  public static double maxAbsDiff(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException(a.length + " vs " + b.length + " values");
    }
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }

  public static double maxAbs(float[] a) {
    double max = 0;
    for (float v : a) {
      max = Math.max(max, Math.abs(v));
    }
    return max;
  }
}
