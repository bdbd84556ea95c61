package io.tunecard.evaluate;

import io.tunecard.files.BadInputException;
import io.tunecard.rundir.EvalLossFile;
import io.tunecard.rundir.RunDirectory;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.apache.beam.sdk.coders.DefaultCoder;

/**
 * {@code eval/eval_loss.json}: the validation loss of the base and of every complete checkpoint
 * under both definitions ({@link LossResult}), and the best checkpoint (lowest {@code eval_loss};
 * the earlier step on ties), the one generation uses.
 *
 * @param rows the validation rows scored (rows whose prompt fills max_seq_len are left out)
 * @param batchSize the eval batch size {@code eval_loss} was computed with ({@code eval.batch})
 */
@DefaultCoder(ElementCoder.class)
public record EvalLossReport(
    String split, int rows, int batchSize, LossResult base, List<LossResult> checkpoints)
    implements Serializable {
  public static final String FILE = "eval_loss.json";

  public EvalLossReport {
    checkpoints =
        checkpoints.stream()
            .sorted(Comparator.comparing(c -> c.step() == null ? Long.MAX_VALUE : c.step()))
            .toList();
  }

  public Optional<LossResult> best() {
    LossResult best = null;
    for (LossResult c : checkpoints) {
      if (best == null || c.loss() < best.loss()) {
        best = c;
      }
    }
    return Optional.ofNullable(best);
  }

  /** The file's record: eval_loss.json, and the {@code eval_loss} section of metrics.json. */
  public EvalLossFile toFile() {
    return new EvalLossFile(
        split,
        rows,
        batchSize,
        base == null ? null : base.toPoint(false),
        checkpoints.stream().map(c -> c.toPoint(true)).toList(),
        best().map(LossResult::model).orElse(null));
  }

  /**
   * Reads an {@code eval_loss.json} written by the hf worker; checkpoint names resolve under the
   * run's {@code train/checkpoints}. Every loss must give both definitions and the batch size.
   */
  public static EvalLossReport read(Path file, RunDirectory run) {
    EvalLossFile f = EvalLossFile.read(file);
    if (f.batchSize() == null) {
      throw new BadInputException(file + ": key 'batch_size': expected a number");
    }
    try {
      List<LossResult> checkpoints = new ArrayList<>();
      for (EvalLossFile.Point c : f.checkpoints()) {
        String name = c.checkpoint() == null ? "" : c.checkpoint();
        checkpoints.add(
            result(file, c, name, run.checkpoints().resolve(name).toString(), c.step()));
      }
      return new EvalLossReport(
          f.split() == null ? "validation" : f.split(),
          f.rows() == null ? 0 : f.rows(),
          f.batchSize(),
          f.base() == null ? null : result(file, f.base(), "base", null, null),
          checkpoints);
    } catch (IllegalArgumentException e) {
      throw new BadInputException(file + ": " + e.getMessage(), e);
    }
  }

  private static LossResult result(
      Path file, EvalLossFile.Point p, String name, String adapter, Long step) {
    if (p.evalLossTokenWeighted() == null) {
      throw new BadInputException(
          file + ": " + name + ": key 'eval_loss_token_weighted': expected a number");
    }
    return new LossResult(
        name,
        adapter,
        step,
        p.evalLoss(),
        p.evalLossTokenWeighted(),
        p.tokens() == null ? 0 : p.tokens());
  }
}
