package io.tunecard.evaluate;

import java.io.Serializable;

/**
 * A question's prompt in token ids.
 *
 * @param id the question id; it also seeds the question's own random generator when sampling
 */
public record Prompt(String id, long[] ids) implements Serializable {
  public Prompt {
    if (id == null || id.isEmpty()) {
      throw new IllegalArgumentException("id: expected a non-empty question id");
    }
    if (ids == null || ids.length == 0) {
      throw new IllegalArgumentException("prompt " + id + ": expected at least one token");
    }
  }
}
