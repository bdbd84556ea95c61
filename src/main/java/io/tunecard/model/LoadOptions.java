package io.tunecard.model;

import ai.djl.ndarray.types.DataType;
import java.util.EnumSet;
import java.util.Set;

/**
 * How base weights are held in memory.
 *
 * @param computeType FLOAT32 on the CPU; FLOAT16 where a GPU runs the model
 * @param nf4 quantize the {@code quantized} projections to NF4 while loading (QLoRA); embeddings,
 *     norms and the LM head stay in the compute type, as bitsandbytes leaves them
 * @param doubleQuant double-quantize the NF4 absmax values (QLoRA's double quantization, as the
 *     worker does for {@code quantization: nf4})
 */
public record LoadOptions(
    DataType computeType, boolean nf4, Set<Projection> quantized, boolean doubleQuant) {

  public LoadOptions {
    if (computeType != DataType.FLOAT32 && computeType != DataType.FLOAT16) {
      throw new IllegalArgumentException("computeType: FLOAT32 or FLOAT16, found " + computeType);
    }
    quantized = quantized.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(quantized));
  }

  public static LoadOptions fp32() {
    return new LoadOptions(DataType.FLOAT32, false, Set.of(), false);
  }

  /** Every projection in NF4 with double-quantized absmax values: tunecard's NF4 base. */
  public static LoadOptions nf4All() {
    return new LoadOptions(DataType.FLOAT32, true, EnumSet.allOf(Projection.class), true);
  }

  public boolean quantizes(Projection p) {
    return nf4 && quantized.contains(p);
  }
}
