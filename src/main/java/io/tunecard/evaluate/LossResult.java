package io.tunecard.evaluate;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.Jsonl;
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
   * {@code {"checkpoint", "step", "eval_loss", "eval_loss_token_weighted", "loss", "perplexity",
   * "tokens"}} (the base: no name or step); {@code loss} repeats {@code eval_loss} for readers of
   * the files written before both definitions were reported.
   */
  ObjectNode toJson(boolean checkpoint) {
    ObjectNode o = Jsonl.MAPPER.createObjectNode();
    if (checkpoint) {
      o.put("checkpoint", model);
      if (step == null) {
        o.putNull("step");
      } else {
        o.put("step", step);
      }
    }
    o.put("eval_loss", loss);
    o.put("eval_loss_token_weighted", lossTokenWeighted);
    o.put("loss", loss);
    o.put("perplexity", perplexity());
    o.put("tokens", tokens);
    return o;
  }
}
