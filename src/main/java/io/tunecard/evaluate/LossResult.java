package io.tunecard.evaluate;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.Jsonl;
import java.io.Serializable;
import org.apache.beam.sdk.coders.DefaultCoder;

/**
 * The validation loss of one model: the answer-token NLL summed over every validation row, divided
 * by the number of answer tokens; perplexity is {@code exp(loss)}, always computed.
 *
 * @param model {@code base} or a checkpoint's directory name
 * @param adapter the checkpoint's directory, null for the base
 * @param step the checkpoint's step, null for the base
 */
@DefaultCoder(ElementCoder.class)
public record LossResult(String model, String adapter, Long step, double loss, long tokens)
    implements Serializable {
  public LossResult {
    if (!Double.isFinite(loss)) {
      throw new IllegalArgumentException(model + ": eval loss is not a number (" + loss + ")");
    }
  }

  public double perplexity() {
    return Math.exp(loss);
  }

  /** {@code {"checkpoint", "step", "loss", "perplexity", "tokens"}} (the base: no name or step). */
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
    o.put("loss", loss);
    o.put("perplexity", perplexity());
    o.put("tokens", tokens);
    return o;
  }
}
