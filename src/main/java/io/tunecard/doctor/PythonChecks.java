package io.tunecard.doctor;

import io.tunecard.worker.PythonProbe;
import io.tunecard.worker.PythonReport;
import io.tunecard.workflow.Workflow;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The hf engine's side of the doctor, from the worker's own report ({@code python -m
 * tunecard_worker doctor --json}): the interpreter, the worker package, each required package
 * against its tested range, torch's GPUs, and the {@code nf4} extra (bitsandbytes) when the base is
 * quantized. Which packages and ranges are checked comes from the worker package, not from here.
 */
final class PythonChecks {
  /** The {@code pyproject.toml} extra that holds NF4's packages. */
  static final String NF4_EXTRA = "nf4";

  private final Workflow w;
  private final boolean needed;
  private final String nf4Backend;
  private PythonReport report;

  /**
   * @param needed whether the workflow runs the hf engine (always without a workflow)
   * @param nf4Backend {@code model.nf4_backend}; bitsandbytes is required for NF4 only with the
   *     {@code bitsandbytes} backend (null: as the workflow's default, builtin)
   */
  PythonChecks(Workflow w, boolean needed, String nf4Backend) {
    this.w = w;
    this.needed = needed;
    this.nf4Backend = nf4Backend;
  }

  List<Finding> check(PythonProbe.Outcome outcome) {
    String python = Doctor.python(w);
    if (!needed) {
      return List.of(Finding.skipped("python", "not needed: train.engine and eval.engine are djl"));
    }
    if (!outcome.ran()) {
      if (outcome.failure().contains("No module named tunecard_worker")) {
        return List.of(
            Finding.ok("python", python + " runs"),
            Finding.missing(
                "tunecard_worker",
                python + " cannot import it: " + outcome.failure(),
                "pip install ./src/main/python with that interpreter, or run tunecard from its"
                    + " repository (the worker's sources go on PYTHONPATH)"));
      }
      return List.of(
          Finding.missing(
              "python",
              outcome.failure(),
              "install Python 3.10 or newer and point train.python at it (default python3)"));
    }
    report = outcome.report();
    List<Finding> out = new ArrayList<>();
    PythonReport.Interpreter i = report.python();
    String found = i.version() + " at " + i.executable() + " (train.python: " + python + ")";
    out.add(
        i.ok()
            ? Finding.ok("python", found)
            : Finding.missing(
                "python",
                found + "; the worker needs " + i.requires(),
                "point train.python at a Python " + i.requires()));
    PythonReport.Worker wk = report.worker();
    out.add(
        Finding.ok(
            "tunecard_worker",
            wk.version()
                + " at "
                + wk.location()
                + " (requirements: "
                + wk.requirementsFrom()
                + ")"));
    for (PythonReport.Requirement r : report.required()) {
      out.add(requirement(r, Finding.Status.MISSING));
    }
    out.add(gpu());
    out.addAll(nf4());
    return out;
  }

  private Finding requirement(PythonReport.Requirement r, Finding.Status whenAbsent) {
    String range = r.required().isEmpty() ? "any version" : r.required();
    String install =
        report.python().executable() + " -m pip install '" + r.name() + r.required() + "'";
    if (r.installed() == null) {
      return new Finding(r.name(), whenAbsent, "not installed (needs " + range + ")", install);
    }
    if (r.inRange() == null) {
      return Finding.warn(
          r.name(),
          r.installed() + "; cannot compare with " + range + " (the packaging library is missing)",
          report.python().executable() + " -m pip install packaging");
    }
    return r.inRange()
        ? Finding.ok(r.name(), r.installed() + " (tested " + range + ")")
        : Finding.warn(
            r.name(),
            r.installed() + ", outside the tested range " + range,
            "the worker is tested with " + range + ": " + install);
  }

  /** {@code gpu}, {@code auto} or {@code cpu}: what the hf engine will ask torch for. */
  private String device() {
    if (w == null) {
      return "auto";
    }
    // bitsandbytes' NF4 needs CUDA; tunecard's builtin NF4 runs on any device
    return "nf4".equals(w.model().quantization()) && "bitsandbytes".equals(nf4Backend)
        ? "gpu"
        : w.train().device();
  }

  private Finding gpu() {
    PythonReport.Torch t = report.torch();
    if (t == null) {
      return device().equals("gpu")
          ? Finding.warn(
              "gpu",
              "not checked: torch is not installed (train.device: gpu needs a CUDA GPU)",
              "install torch (a CUDA build) and run the doctor again")
          : Finding.skipped("gpu", "not checked: torch is not installed");
    }
    String build = t.cuda() == null ? "a CPU-only build" : "built for CUDA " + t.cuda();
    if (!t.devices().isEmpty()) {
      StringBuilder b = new StringBuilder();
      for (PythonReport.Device d : t.devices()) {
        b.append(b.isEmpty() ? "" : "; ")
            .append(d.name())
            .append(": ")
            .append(Footprint.bytes(d.freeBytes()))
            .append(" free of ")
            .append(Footprint.bytes(d.totalBytes()))
            .append(d.bf16() ? "" : " (no bf16)");
      }
      return Finding.ok("gpu", b + " (torch " + t.version() + ", " + build + ")");
    }
    String none =
        (t.error() != null ? "CUDA does not work: " + t.error() : "no CUDA device visible")
            + " to torch "
            + t.version()
            + " ("
            + build
            + ")";
    return switch (device()) {
      case "gpu" ->
          Finding.missing(
              "gpu",
              none
                  + "; train.device is gpu"
                  + (device().equals(w.train().device()) ? "" : " (nf4_backend: bitsandbytes)"),
              "run on a host with an NVIDIA GPU and a CUDA build of torch (check nvidia-smi and"
                  + " CUDA_VISIBLE_DEVICES), or set train.device: cpu and model.quantization: none"
                  + " (slow)");
      case "auto" ->
          Finding.warn("gpu", none, "the hf engine will run on the CPU (slow); fine for tests");
      default -> Finding.skipped("gpu", none + "; not needed (train.device: cpu)");
    };
  }

  private List<Finding> nf4() {
    List<PythonReport.Requirement> extra =
        report.packages().stream().filter(p -> NF4_EXTRA.equals(p.extra())).toList();
    boolean quantized = w != null && "nf4".equals(w.model().quantization());
    boolean needs = quantized && "bitsandbytes".equals(nf4Backend);
    List<Finding> out = new ArrayList<>();
    for (PythonReport.Requirement r : extra) {
      if (needs) {
        out.add(requirement(r, Finding.Status.MISSING));
      } else if (r.installed() != null) {
        out.add(requirement(r, Finding.Status.SKIPPED));
      } else {
        out.add(
            Finding.skipped(
                r.name(),
                "not installed; "
                    + (quantized
                        ? "not needed (model.nf4_backend: "
                            + (nf4Backend == null ? "builtin" : nf4Backend)
                            + ")"
                        : "only model.quantization: nf4 needs it")));
      }
    }
    return out;
  }

  /**
   * Whether the first GPU holds the base's weights and the LoRA state (a floor: no activations).
   */
  Optional<Finding> gpuMemory(Footprint size) {
    if (report == null
        || report.torch() == null
        || report.torch().devices().isEmpty()
        || device().equals("cpu")) {
      return Optional.empty();
    }
    PythonReport.Device d = report.torch().devices().get(0);
    long floor = size.gpuFloorBytes(w.model().quantization());
    String found =
        "weights and LoRA state need about "
            + Footprint.bytes(floor)
            + " ("
            + w.model().quantization()
            + "), "
            + Footprint.bytes(d.freeBytes())
            + " free on "
            + d.name()
            + "; activations come on top";
    return Optional.of(
        d.freeBytes() >= floor
            ? Finding.ok("gpu memory", found)
            : Finding.warn(
                "gpu memory",
                found,
                "free the GPU, quantize the base (model.quantization: nf4) or use a larger GPU"));
  }
}
