package io.tunecard.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import io.tunecard.files.BadInputException;
import io.tunecard.model.safetensors.Dtype;
import io.tunecard.model.safetensors.SafetensorsFile;
import io.tunecard.model.safetensors.SafetensorsWriter;
import io.tunecard.model.safetensors.TensorInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * AdamW exactly as {@code torch.optim.AdamW} (single-tensor path, no amsgrad) computes it:
 *
 * <pre>
 * p  ← p · (1 − lr·wd)
 * m  ← lerp(m, g, 1 − β1)
 * v  ← β2·v + (1 − β2)·g²
 * p  ← p − lr / (1 − β1^t) · m / (sqrt(v) / sqrt(1 − β2^t) + ε)
 * </pre>
 *
 * Its state (the moments and the step count) saves to and loads from safetensors, keyed {@code
 * <parameter>.exp_avg} and {@code <parameter>.exp_avg_sq}, so a resumed run continues exactly.
 */
// NDScope and GradientCollector are opened for their effect on the arrays created inside.
@SuppressWarnings("try")
public final class AdamW implements AutoCloseable {
  /** β1, β2, ε and the decoupled weight decay. */
  public record Hyper(double beta1, double beta2, double eps, double weightDecay) {
    public Hyper {
      if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
        throw new IllegalArgumentException(
            "betas: expected [0, 1), found (" + beta1 + ", " + beta2 + ")");
      }
      if (!(eps > 0)) {
        throw new IllegalArgumentException("eps: expected > 0, found " + eps);
      }
      if (!(weightDecay >= 0)) {
        throw new IllegalArgumentException("weight_decay: expected >= 0, found " + weightDecay);
      }
    }

    /** torch's defaults: (0.9, 0.999), 1e-8, weight decay 0.01. */
    public static Hyper torchDefaults() {
      return new Hyper(0.9, 0.999, 1e-8, 0.01);
    }
  }

  private final List<Parameter> params;
  private final Hyper hyper;
  private final NDManager manager;
  private final List<NDArray> expAvg = new ArrayList<>();
  private final List<NDArray> expAvgSq = new ArrayList<>();
  private long step;

  public AdamW(List<Parameter> params, Hyper hyper, NDManager parent) {
    this.params = List.copyOf(params);
    this.hyper = hyper;
    this.manager = parent.newSubManager();
    for (Parameter p : this.params) {
      expAvg.add(manager.zeros(p.value().getShape(), DataType.FLOAT32));
      expAvgSq.add(manager.zeros(p.value().getShape(), DataType.FLOAT32));
    }
  }

  public Hyper hyper() {
    return hyper;
  }

  /** Steps taken so far (torch's {@code state['step']}). */
  public long steps() {
    return step;
  }

  /** The global L2 norm of the current gradients. */
  public double gradNorm() {
    double total = 0;
    try (NDScope scope = new NDScope()) {
      for (Parameter p : params) {
        float norm = p.value().getGradient().norm().getFloat();
        total += (double) norm * norm;
      }
    }
    return Math.sqrt(total);
  }

  /**
   * {@code torch.nn.utils.clip_grad_norm_}: scales all gradients by {@code min(1, max / (norm +
   * 1e-6))}; returns the norm before clipping.
   */
  public double clipGradNorm(double maxNorm) {
    double norm = gradNorm();
    double coef = Math.min(1.0, maxNorm / (norm + 1e-6));
    if (coef < 1.0) {
      try (NDScope scope = new NDScope()) {
        for (Parameter p : params) {
          p.value().getGradient().muli((float) coef);
        }
      }
    }
    return norm;
  }

  /** One update with learning rate {@code lr} from the accumulated gradients. */
  public void step(double lr) {
    step++;
    double b1 = hyper.beta1();
    double b2 = hyper.beta2();
    double stepSize = lr / (1 - Math.pow(b1, step));
    double bc2Sqrt = Math.sqrt(1 - Math.pow(b2, step));
    try (NDScope scope = new NDScope()) {
      for (int i = 0; i < params.size(); i++) {
        NDArray p = params.get(i).value();
        NDArray g = p.getGradient();
        NDArray m = expAvg.get(i);
        NDArray v = expAvgSq.get(i);
        if (hyper.weightDecay() != 0) {
          p.muli(1 - lr * hyper.weightDecay());
        }
        double w = 1 - b1; // torch's lerp kernel picks its formula by the weight
        if (w < 0.5) {
          m.addi(g.sub(m).mul(w));
        } else {
          NDArray diff = g.sub(m);
          m.subi(m).addi(g.sub(diff.mul(1 - w)));
        }
        v.muli(b2).addi(g.mul(1 - b2).mul(g));
        NDArray denom = v.sqrt().div(bc2Sqrt).add(hyper.eps());
        p.addi(m.div(denom).mul(-stepSize));
      }
    }
  }

  /** Writes the moments and the step count (atomically). */
  public void save(Path file) throws IOException {
    SafetensorsWriter w =
        new SafetensorsWriter()
            .metadata("format", "tunecard-adamw")
            .metadata("step", Long.toString(step))
            .metadata("betas", hyper.beta1() + "," + hyper.beta2())
            .metadata("eps", Double.toString(hyper.eps()))
            .metadata("weight_decay", Double.toString(hyper.weightDecay()));
    for (int i = 0; i < params.size(); i++) {
      w.add(params.get(i).name() + ".exp_avg", expAvg.get(i), Dtype.F32);
      w.add(params.get(i).name() + ".exp_avg_sq", expAvgSq.get(i), Dtype.F32);
    }
    w.write(file);
  }

  /** Restores what {@link #save} wrote for the same parameters; errors name the file and key. */
  public void load(Path file) {
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      Map<String, TensorInfo> tensors = f.tensors();
      TreeSet<String> expected = new TreeSet<>();
      for (Parameter p : params) {
        expected.add(p.name() + ".exp_avg");
        expected.add(p.name() + ".exp_avg_sq");
      }
      if (!expected.equals(new TreeSet<>(tensors.keySet()))) {
        TreeSet<String> missing = new TreeSet<>(expected);
        missing.removeAll(tensors.keySet());
        TreeSet<String> extra = new TreeSet<>(tensors.keySet());
        extra.removeAll(expected);
        throw new BadInputException(
            file
                + ": optimizer state does not match the parameters; missing "
                + missing
                + ", unexpected "
                + extra);
      }
      String stepText = f.metadata().get("step");
      if (stepText == null || !stepText.matches("\\d+")) {
        throw new BadInputException(file + ": metadata 'step' missing or not a count");
      }
      for (int i = 0; i < params.size(); i++) {
        replace(f, params.get(i), ".exp_avg", expAvg, i);
        replace(f, params.get(i), ".exp_avg_sq", expAvgSq, i);
      }
      step = Long.parseLong(stepText);
    }
  }

  private void replace(SafetensorsFile f, Parameter p, String suffix, List<NDArray> into, int i) {
    String name = p.name() + suffix;
    long[] want = p.value().getShape().getShape();
    if (!Arrays.equals(f.info(name).shape(), want)) {
      throw new BadInputException(
          f.path()
              + ": '"
              + name
              + "' has shape "
              + f.info(name).shapeString()
              + ", expected "
              + Arrays.toString(want));
    }
    NDArray loaded = f.read(name, manager, DataType.FLOAT32);
    into.get(i).close();
    into.set(i, loaded);
  }

  @Override
  public void close() {
    manager.close();
  }
}
