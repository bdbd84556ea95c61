package io.tunecard.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import io.tunecard.ingest.IngestStage;
import io.tunecard.train.BaseFingerprint;
import io.tunecard.workflow.Workflow;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The checks of a workflow that need the file system, made before any stage starts (by {@code
 * validate} and by {@code run}): the checks the stages themselves would make later, after minutes
 * or hours of work. The input exists and is of its source's kind (a zip is listed, so its limits
 * apply), the base model is present and its positions hold the configured lengths, the hf engine's
 * interpreter exists, and an enabled publish names a repository.
 */
public final class Preflight {
  private Preflight() {}

  /**
   * Every problem, each naming its key; empty when the workflow can run here.
   *
   * @param publishes whether the run would publish (a run stopped early with --until does not)
   * @param models whether a stage that reads the base model or runs the worker would run (one
   *     stopped after ingest needs neither)
   */
  public static List<String> problems(Workflow w, boolean publishes, boolean models) {
    List<String> problems = new ArrayList<>();
    dataset(w, problems);
    if (models) {
      base(w, problems);
      python(w, problems);
    }
    if (publishes && w.publish().enabled() && w.repoId() == null) {
      problems.add(
          "publish.enabled: true, but neither publish.repo_id nor card.repo_id names a"
              + " repository");
    }
    return problems;
  }

  /** As {@link #problems}, throwing them all as one bad input. */
  public static void check(Workflow w, boolean publishes, boolean models) {
    List<String> problems = problems(w, publishes, models);
    if (!problems.isEmpty()) {
      throw new BadInputException(
          problems.size()
              + " problem(s) before any stage runs\n  "
              + String.join("\n  ", problems));
    }
  }

  private static void dataset(Workflow w, List<String> problems) {
    try {
      IngestStage.checkInput(w.dataset());
    } catch (BadInputException e) {
      String m = e.getMessage();
      problems.add(m.startsWith("dataset.") ? m : "dataset.path: " + m);
    }
  }

  /** The hf engine's interpreter must exist (whether it has torch is the stage's own check). */
  private static void python(Workflow w, List<String> problems) {
    if (!w.train().engine().equals("hf") && !w.eval().engine().equals("hf")) {
      return;
    }
    String python = w.train().python();
    boolean found;
    if (python.contains("/")) {
      found = Files.isExecutable(Path.of(python));
    } else {
      String path = System.getenv().getOrDefault("PATH", "");
      found =
          java.util.Arrays.stream(path.split(java.io.File.pathSeparator))
              .filter(d -> !d.isEmpty())
              .anyMatch(d -> Files.isExecutable(Path.of(d, python)));
    }
    if (!found) {
      problems.add(
          "train.python: '"
              + python
              + "' is "
              + (python.contains("/") ? "not an executable file" : "not on the PATH")
              + "; the hf engine runs its worker with it");
    }
  }

  /**
   * A base named by a local directory must hold a model whose positions fit the workflow's lengths;
   * a Hub id must be in the local Hugging Face cache, as training needs it there.
   */
  private static void base(Workflow w, List<String> problems) {
    if (w.model().isScratch()) {
      return;
    }
    try {
      BaseFingerprint.of(w);
    } catch (BadInputException e) {
      problems.add(e.getMessage());
      return;
    }
    Path config = Path.of(w.model().base()).resolve("config.json");
    if (!Files.isRegularFile(config)) {
      return;
    }
    int positions;
    try {
      JsonNode c = Jsonl.readTree(config);
      positions = c.path("max_position_embeddings").asInt(0);
    } catch (IOException e) {
      problems.add("model.base: " + e.getMessage());
      return;
    }
    if (positions <= 0) {
      return;
    }
    String why = " (max_position_embeddings of " + config + ")";
    if (w.model().maxSeqLen() > positions) {
      problems.add(
          "model.max_seq_len: expected at most "
              + positions
              + ", the base's positions"
              + why
              + ", found "
              + w.model().maxSeqLen());
    }
    if (w.eval().maxNewTokens() > positions - 1) {
      problems.add(
          "eval.max_new_tokens: expected at most "
              + (positions - 1)
              + ": the prompt and the answer must fit in the base's "
              + positions
              + " positions"
              + why
              + ", found "
              + w.eval().maxNewTokens());
    }
  }
}
