package io.tunecard.evaluate;

import io.tunecard.rundir.EvalLossFile;
import java.io.Serializable;
import org.apache.beam.sdk.coders.DefaultCoder;

/**
 * The validation loss of one model under both definitions ({@link io.tunecard.model.EvalLosses}):
 * {@code loss} is {@code eval_loss} as transformers' Trainer computes it (what the best checkpoint,
 * the gate and the card use), {@code lossTokenWeighted} the answer-token NLL summed over every row
 * divided by the answer tokens; perplexity is {@code exp(loss)}, always computed.
 *
 * @param model {@code base} or a checkpoint's directory name
 * @param adapter the checkpoint's directory, null for the base
 * @param step the checkpoint's step, null for the base
 */
@DefaultCoder(ElementCoder.class)
public record LossResult(
    String model, String adapter, Long step, double loss, double lossTokenWeighted, long tokens)
    implements Serializable {
  public LossResult {
    if (!Double.isFinite(loss) || !Double.isFinite(lossTokenWeighted)) {
      throw new IllegalArgumentException(
          model + ": eval loss is not a number (" + loss + ", " + lossTokenWeighted + ")");
    }
  }

  public double perplexity() {
    return Math.exp(loss);
  }

  /**
   * The point of eval_loss.json: {@code eval_loss} (and {@code loss}, which repeats it for readers
   * of the files written before both definitions were reported), {@code eval_loss_token_weighted},
   * {@code perplexity}, {@code tokens}; the base has no name or step.
   */
  EvalLossFile.Point toPoint(boolean checkpoint) {
    return new EvalLossFile.Point(
        checkpoint ? model : null,
        checkpoint ? step : null,
        loss,
        lossTokenWeighted,
        perplexity(),
        tokens);
  }
}
