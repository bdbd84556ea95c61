package io.tunecard.card;

import io.tunecard.workflow.Workflow;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Everything a model card says, as data: built by {@link #fromRunDirectory} or {@link
 * #fromFigures}, checked by {@link ConsistencyChecks} and rendered by {@link CardRenderer}. Values
 * that the source did not record are null (or empty lists) and the card says so.
 *
 * @param source where the numbers come from, in words (a path or a description)
 * @param kind the kind of source
 * @param model the base model, the adapter's repository and licence
 * @param dataset the training data
 * @param training the hyper-parameters
 * @param trainingLog every logged step, in step order
 * @param evaluation generation metrics per decoding strategy and eval losses
 * @param reported headline values a published card stated (empty for a run directory)
 * @param environment hardware and timings
 * @param lineage how to reproduce the run (null when not recorded)
 * @param samples a few generations to show
 * @param reference the published fine-tune a figures card re-renders (null for a run directory)
 */
public record CardModel(
    String source,
    SourceKind kind,
    ModelFacts model,
    DatasetFacts dataset,
    TrainingFacts training,
    List<LogRow> trainingLog,
    EvalFacts evaluation,
    Reported reported,
    Environment environment,
    Lineage lineage,
    List<Sample> samples,
    ReferenceFacts reference) {

  /** Where a card's numbers come from. */
  public enum SourceKind {
    /** A tunecard run directory (manifest, metrics, generations). */
    RUN_DIRECTORY,
    /** Published figures only (training log, decoding table, run facts). */
    FIGURES
  }

  /** A card with no reference fine-tune behind it. */
  public CardModel(
      String source,
      SourceKind kind,
      ModelFacts model,
      DatasetFacts dataset,
      TrainingFacts training,
      List<LogRow> trainingLog,
      EvalFacts evaluation,
      Reported reported,
      Environment environment,
      Lineage lineage,
      List<Sample> samples) {
    this(
        source,
        kind,
        model,
        dataset,
        training,
        trainingLog,
        evaluation,
        reported,
        environment,
        lineage,
        samples,
        null);
  }

  public CardModel {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(dataset, "dataset");
    Objects.requireNonNull(training, "training");
    trainingLog = List.copyOf(trainingLog);
    Objects.requireNonNull(evaluation, "evaluation");
    Objects.requireNonNull(reported, "reported");
    Objects.requireNonNull(environment, "environment");
    samples = List.copyOf(samples);
    long previous = Long.MIN_VALUE;
    for (LogRow row : trainingLog) {
      if (row.step() < previous) {
        throw new IllegalArgumentException(
            "trainingLog: steps must not decrease, found " + row.step() + " after " + previous);
      }
      previous = row.step();
    }
  }

  /**
   * Reads a run directory ({@code manifest.json}, {@code dataset/stats.json}, {@code
   * train/metrics.jsonl}, {@code eval/metrics.json}, {@code eval/generations/}).
   *
   * @param workflow the run's workflow for hyper-parameters and card settings; null to use only
   *     what the run directory records
   */
  public static CardModel fromRunDirectory(Path runDir, Workflow workflow) {
    return new RunDirectoryImporter(runDir, workflow).read();
  }

  /** Reads a figures directory: {@code run.json}, {@code training_log.csv}, the decoding table. */
  public static CardModel fromFigures(Path figuresDir) {
    return FiguresImporter.read(figuresDir);
  }

  /** The rows of the training log that carry a validation loss. */
  public List<LogRow> validationRows() {
    return trainingLog.stream().filter(r -> r.validationLoss() != null).toList();
  }

  /** The rows of the training log that carry a training loss. */
  public List<LogRow> trainingRows() {
    return trainingLog.stream().filter(r -> r.trainingLoss() != null).toList();
  }

  /** The consistency checks of this card, computed (never typed). */
  public List<CheckResult> checks() {
    return ConsistencyChecks.run(this);
  }
}
