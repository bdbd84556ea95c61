package io.tunecard.rundir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.Jsonl;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code eval/eval_loss.json}, which is also the {@code eval_loss} section of {@code
 * eval/metrics.json} (docs/run-directory.md): the validation loss of the base and of every complete
 * checkpoint, and the best checkpoint. Keys the files of older versions lack read as null and are
 * left out again when written; a point of such a file that gives only {@code loss} (written before
 * {@code eval_loss} and {@code eval_loss_token_weighted} were both reported) reads {@code loss} as
 * its {@code eval_loss}.
 *
 * @param rows the validation rows scored; null when not recorded
 * @param batchSize the eval batch size {@code eval_loss} was computed with; null in older files
 * @param base the base model's loss; null when not measured (written as {@code null})
 * @param checkpoints one point per checkpoint, in the file's order (by step)
 * @param best the best checkpoint's name (lowest {@code eval_loss}); null when there is none
 */
public record EvalLossFile(
    String split, Integer rows, Integer batchSize, Point base, List<Point> checkpoints, String best)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  public EvalLossFile {
    checkpoints = List.copyOf(checkpoints);
  }

  /**
   * One model's loss.
   *
   * @param checkpoint the checkpoint's directory name, e.g. {@code step-150}; null for the base
   * @param step the checkpoint's step; null for the base (and for a checkpoint without one)
   * @param evalLoss {@code eval_loss} (transformers' Trainer definition; {@code loss} repeats it)
   * @param evalLossTokenWeighted {@code eval_loss_token_weighted}; null when not recorded
   * @param perplexity as recorded ({@code exp(eval_loss)}); null when not recorded
   * @param tokens the answer tokens scored; null when not recorded
   */
  public record Point(
      String checkpoint,
      Long step,
      double evalLoss,
      Double evalLossTokenWeighted,
      Double perplexity,
      Long tokens)
      implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The recorded perplexity, else {@code exp(eval_loss)}. */
    public double perplexityOrExp() {
      return perplexity != null ? perplexity : Math.exp(evalLoss);
    }
  }

  /** The point of the checkpoint named {@code name}, or null. */
  public Point checkpoint(String name) {
    return checkpoints.stream().filter(p -> name.equals(p.checkpoint())).findFirst().orElse(null);
  }

  /** Reads an {@code eval_loss.json}; bad input names the file and the key. */
  public static EvalLossFile read(Path file) {
    return fromTree(new JsonFields(file), JsonFields.readObject(file), "");
  }

  /** Writes the file atomically, in the format {@link #toTree} gives. */
  public void write(Path file) {
    JsonFields.write(file, toTree());
  }

  /**
   * {@code {"split", "rows", "batch_size", "base", "checkpoints", "best"}}; {@code base} and {@code
   * best} are written as null when there is none.
   */
  public ObjectNode toTree() {
    ObjectNode o = Jsonl.MAPPER.createObjectNode();
    JsonFields.put(o, "split", split);
    JsonFields.put(o, "rows", rows);
    JsonFields.put(o, "batch_size", batchSize);
    if (base == null) {
      o.putNull("base");
    } else {
      o.set("base", point(base, false));
    }
    var list = o.putArray("checkpoints");
    checkpoints.forEach(c -> list.add(point(c, true)));
    JsonFields.putOrNull(o, "best", best);
    return o;
  }

  /**
   * {@code {"checkpoint", "step", "eval_loss", "eval_loss_token_weighted", "loss", "perplexity",
   * "tokens"}} (the base: no name or step).
   */
  private static ObjectNode point(Point p, boolean checkpoint) {
    ObjectNode o = Jsonl.MAPPER.createObjectNode();
    if (checkpoint) {
      JsonFields.putOrNull(o, "checkpoint", p.checkpoint());
      JsonFields.putOrNull(o, "step", p.step());
    }
    o.put("eval_loss", p.evalLoss());
    JsonFields.put(o, "eval_loss_token_weighted", p.evalLossTokenWeighted());
    o.put("loss", p.evalLoss());
    JsonFields.put(o, "perplexity", p.perplexity());
    JsonFields.put(o, "tokens", p.tokens());
    return o;
  }

  /**
   * The object {@code node} of the file {@code f}; {@code prefix} is its path in the file ({@code
   * "eval_loss."} in metrics.json, empty in eval_loss.json), for messages.
   */
  static EvalLossFile fromTree(JsonFields f, JsonNode node, String prefix) {
    List<Point> points = new ArrayList<>();
    JsonNode list = node.path("checkpoints");
    if (!list.isMissingNode() && !list.isNull() && !list.isArray()) {
      throw f.bad("key '" + prefix + "checkpoints': expected a list, found " + list);
    }
    for (int i = 0; i < list.size(); i++) {
      JsonNode c = list.get(i);
      if (!c.isObject()) {
        throw f.bad("key '" + prefix + "checkpoints': expected objects, found " + c);
      }
      String name = f.text(c, "checkpoint", prefix + "checkpoints[" + i + "].checkpoint");
      points.add(
          point(f, c, name, true, prefix + (name == null ? "checkpoints[" + i + "]" : name)));
    }
    JsonNode base = f.object(node, "base", prefix + "base");
    return new EvalLossFile(
        f.text(node, "split", prefix + "split"),
        f.integer(node, "rows", prefix + "rows"),
        f.integer(node, "batch_size", prefix + "batch_size"),
        base == null ? null : point(f, base, null, false, prefix + "base"),
        points,
        f.text(node, "best", prefix + "best"));
  }

  /**
   * A point (the base: no name or step), at {@code at} in the file; {@code loss} stands in for a
   * missing {@code eval_loss}.
   */
  private static Point point(JsonFields f, JsonNode n, String name, boolean checkpoint, String at) {
    Double loss = f.number(n, "eval_loss", at + ".eval_loss");
    if (loss == null) {
      loss = f.number(n, "loss", at + ".loss");
    }
    if (loss == null) {
      throw f.bad(at + ": key 'eval_loss' is required");
    }
    return new Point(
        name,
        checkpoint ? f.longValue(n, "step", at + ".step") : null,
        loss,
        f.number(n, "eval_loss_token_weighted", at + ".eval_loss_token_weighted"),
        f.number(n, "perplexity", at + ".perplexity"),
        f.longValue(n, "tokens", at + ".tokens"));
  }
}
