package io.tunecard.card;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where and how long the run ran.
 *
 * @param hardware accelerator or CPU in words; null when not recorded
 * @param stageSeconds wall-clock seconds per stage, in stage order
 */
public record Environment(String hardware, Map<String, Double> stageSeconds) {
  public Environment {
    stageSeconds = Collections.unmodifiableMap(new LinkedHashMap<>(stageSeconds));
  }

  public double totalSeconds() {
    return stageSeconds.values().stream().mapToDouble(Double::doubleValue).sum();
  }
}
