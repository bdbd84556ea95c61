package io.tunecard.model;

import ai.djl.ndarray.NDArray;
import java.util.EnumMap;
import java.util.Map;

/**
 * One decoder layer's base weights.
 *
 * @param inputNorm RMSNorm weight before attention, (hidden)
 * @param postAttentionNorm RMSNorm weight before the MLP, (hidden)
 * @param linears the seven projections
 */
public record LayerWeights(
    NDArray inputNorm, NDArray postAttentionNorm, Map<Projection, FrozenLinear> linears) {

  public LayerWeights {
    linears = new EnumMap<>(linears);
    if (linears.size() != Projection.values().length) {
      throw new IllegalArgumentException(
          "a layer needs all seven projections, found " + linears.keySet());
    }
  }

  public FrozenLinear linear(Projection p) {
    return linears.get(p);
  }

  public long storageBytes() {
    long bytes =
        (inputNorm.size() + postAttentionNorm.size()) * inputNorm.getDataType().getNumOfBytes();
    for (FrozenLinear l : linears.values()) {
      bytes += l.storageBytes();
    }
    return bytes;
  }
}
