package io.tunecard.card;

/**
 * One logged step of training: a training-loss row, a validation row, or both.
 *
 * @param epoch fractional epoch at this step; null when not recorded
 * @param trainingLoss mean training loss since the previous logged step
 * @param validationLoss loss on the validation split at this step
 */
public record LogRow(
    long step,
    Double epoch,
    Double trainingLoss,
    Double validationLoss,
    Double learningRate,
    Double gradNorm) {

  public LogRow {
    if (step < 0) {
      throw new IllegalArgumentException("step: expected >= 0, found " + step);
    }
    if (trainingLoss == null && validationLoss == null) {
      throw new IllegalArgumentException(
          "step " + step + ": expected a training loss or a validation loss, found neither");
    }
    finite("trainingLoss", trainingLoss, step);
    finite("validationLoss", validationLoss, step);
    finite("epoch", epoch, step);
  }

  private static void finite(String name, Double v, long step) {
    if (v != null && !Double.isFinite(v)) {
      throw new IllegalArgumentException(
          "step " + step + ": " + name + " expected a finite number, found " + v);
    }
  }
}
