package io.tunecard.evaluate;

import java.io.Serializable;
import java.util.List;
import org.apache.beam.sdk.coders.DefaultCoder;

/** Every answer of one strategy and one model, sorted by id (what its generations file holds). */
@DefaultCoder(ElementCoder.class)
public record GenerationSet(String model, String strategy, List<GeneratedAnswer> answers)
    implements Serializable {
  public GenerationSet {
    answers = List.copyOf(answers);
  }
}
