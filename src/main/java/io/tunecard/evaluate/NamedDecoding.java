package io.tunecard.evaluate;

import java.io.Serializable;

/** A strategy of the workflow: its name (which names its generations file) and its decoding. */
public record NamedDecoding(String name, Decoding decoding) implements Serializable {
  public NamedDecoding {
    if (name == null || !name.matches("[A-Za-z0-9_.\\-]{1,64}")) {
      throw new IllegalArgumentException("strategy name: expected a file-safe name, found " + name);
    }
  }
}
