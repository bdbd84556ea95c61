package io.tunecard.train;

import java.io.Serializable;

/**
 * What the training stage produced.
 *
 * @param finalStep the global step of the final checkpoint
 * @param finalLoss the loss of the last optimizer step
 * @param bestCheckpoint the checkpoint with the lowest eval loss ({@code step-N}), else the final
 * @param adapterSha256 SHA-256 of that checkpoint's adapter_model.safetensors
 * @param baseEvalLoss the base model's loss on the validation rows (null when not measured)
 * @param finalEvalLoss the fine-tuned model's loss on the same rows at the last step (null: none)
 * @param alreadyFinished whether the training had finished before and nothing ran
 * @param seconds wall time of the stage
 */
public record TrainResult(
    long finalStep,
    Double finalLoss,
    String bestCheckpoint,
    String adapterSha256,
    Double baseEvalLoss,
    Double finalEvalLoss,
    boolean alreadyFinished,
    double seconds)
    implements Serializable {
  private static final long serialVersionUID = 1L;
}
