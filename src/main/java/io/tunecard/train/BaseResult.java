package io.tunecard.train;

import java.io.Serializable;

/**
 * What the base stage produced.
 *
 * @param scratch whether the workflow trains its own base (false: nothing was done)
 * @param reused whether a complete base made from the same inputs was kept
 * @param baseDir the model directory training loads
 * @param steps pre-training steps (0 when reused or not scratch)
 * @param finalLoss the last pre-training loss, or null
 * @param seconds wall time of the stage
 */
public record BaseResult(
    boolean scratch, boolean reused, String baseDir, long steps, Double finalLoss, double seconds)
    implements Serializable {
  private static final long serialVersionUID = 1L;
}
