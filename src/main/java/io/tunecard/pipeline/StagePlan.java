package io.tunecard.pipeline;

import io.tunecard.rundir.CodeVersion;
import io.tunecard.rundir.Manifest;
import io.tunecard.rundir.ManifestFile;
import io.tunecard.rundir.StageOutputs;
import io.tunecard.workflow.Workflow;
import io.tunecard.workflow.WorkflowLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decides which stages of a run must execute. A stage's key is the sha256 of its workflow settings,
 * its code, and its upstream stage's key (so changing {@code train.lr} changes the keys of train,
 * evaluate and card, not of ingest). A stage is skipped when the manifest records the same key as
 * done and its outputs on disk are still the files it recorded ({@link StageOutputs}: sizes and
 * times, hashes where those differ or with {@code --verify}); {@code --force} reruns a stage and
 * everything after it.
 */
public final class StagePlan {

  /**
   * One stage's decision.
   *
   * @param detail what the reason is about (the first changed file), or null
   */
  public record Step(Stage stage, String key, boolean run, String reason, String detail) {
    public Step(Stage stage, String key, boolean run, String reason) {
      this(stage, key, run, reason, null);
    }

    /** The reason with its detail, for the console. */
    public String explained() {
      return detail == null ? reason : reason + ": " + detail;
    }
  }

  private final Map<Stage, Step> steps;

  private StagePlan(Map<Stage, Step> steps) {
    this.steps = steps;
  }

  public List<Step> steps() {
    return List.copyOf(steps.values());
  }

  public Step step(Stage stage) {
    return steps.get(stage);
  }

  public boolean runs(Stage stage) {
    Step s = steps.get(stage);
    return s != null && s.run();
  }

  /** What a stage reads besides its workflow settings and upstream key. */
  public interface Inputs {
    /** Extra content (e.g. the input data's hash) that must be part of the stage's key. */
    String extra(Stage stage);

    /** The files and folders the stage writes (recorded when it finishes, checked before reuse). */
    List<Path> outputs(Stage stage);
  }

  public static StagePlan plan(
      Workflow w, List<Stage> stages, Manifest manifest, Set<Stage> forced, Inputs inputs) {
    return plan(w, stages, manifest, forced, inputs, false);
  }

  /**
   * @param verify hash every recorded output (not only those whose size or time changed)
   */
  public static StagePlan plan(
      Workflow w,
      List<Stage> stages,
      Manifest manifest,
      Set<Stage> forced,
      Inputs inputs,
      boolean verify) {
    Map<Stage, Step> steps = new EnumMap<>(Stage.class);
    ManifestFile recordedStages = manifest.read();
    String upstream = "";
    boolean forceFromHere = false;
    boolean upstreamRuns = false;
    for (Stage stage : stages) {
      String key = key(stage, settings(w, stage), upstream, inputs.extra(stage));
      forceFromHere |= forced.contains(stage);
      ManifestFile.StageRecord recorded = recordedStages.stage(stage.key());
      String reason;
      String detail = null;
      boolean run = true;
      if (forceFromHere) {
        reason = forced.contains(stage) ? "forced" : "forced upstream";
      } else if (stage == Stage.PUBLISH) {
        reason = "publishing is never cached";
      } else if (upstreamRuns) {
        reason = "upstream reruns";
      } else if (recorded == null) {
        reason = "no previous run";
      } else if (!recorded.done()) {
        reason = "previous run did not finish";
      } else if (!key.equals(recorded.hash())) {
        reason = "inputs changed";
      } else if (recorded.outputs() == null) {
        reason = "outputs not recorded";
      } else {
        List<String> changes =
            StageOutputs.differences(
                manifest.run().root(), recorded.outputs(), inputs.outputs(stage), verify);
        if (changes.isEmpty()) {
          run = false;
          reason = "up to date";
        } else {
          boolean missing = changes.stream().allMatch(c -> c.endsWith(" is missing"));
          reason = missing ? "outputs missing" : "outputs changed";
          detail =
              changes.get(0) + (changes.size() > 1 ? " and " + (changes.size() - 1) + " more" : "");
        }
      }
      steps.put(stage, new Step(stage, key, run, reason, detail));
      upstreamRuns |= run;
      upstream = key;
    }
    return new StagePlan(steps);
  }

  /** The workflow settings a stage's output depends on. */
  static Object settings(Workflow w, Stage stage) {
    Map<String, Object> s = new LinkedHashMap<>();
    switch (stage) {
      case INGEST -> s.put("dataset", w.dataset());
      case BASE -> {
        s.put("max_seq_len", w.model().maxSeqLen());
        s.put("chat_template", w.model().chatTemplate());
        s.put("scratch", w.model().scratch());
        s.put("tokenizer", w.model().tokenizer());
      }
      case TRAIN -> {
        s.put("model", w.model());
        s.put("lora", w.lora());
        s.put("train", w.train());
      }
      case EVALUATE -> s.put("eval", w.eval());
      case CARD -> {
        s.put("name", w.name());
        s.put("description", w.description());
        s.put("card", w.card());
      }
      case PUBLISH -> s.put("publish", w.publish());
    }
    return s;
  }

  static String key(Stage stage, Object settings, String upstream, String extra) {
    List<String> parts = new ArrayList<>();
    parts.add("stage=" + stage.key());
    parts.add("settings=" + WorkflowLoader.canonicalJson(settings));
    parts.add("code=" + CodeVersion.of(stage.packages()));
    parts.add("upstream=" + upstream);
    parts.add("extra=" + (extra == null ? "" : extra));
    return WorkflowLoader.sha256(String.join("\n", parts).getBytes(StandardCharsets.UTF_8));
  }
}
