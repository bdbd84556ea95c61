package io.tunecard.pipeline;

import io.tunecard.card.CardRenderer;
import io.tunecard.evaluate.EvalOptions;
import io.tunecard.evaluate.EvaluationStage;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Stagings;
import io.tunecard.hub.Backoff;
import io.tunecard.hub.HubAccess;
import io.tunecard.ingest.IngestConfig;
import io.tunecard.ingest.IngestDataset;
import io.tunecard.ingest.IngestOptions;
import io.tunecard.publish.PublishResult;
import io.tunecard.publish.Publisher;
import io.tunecard.rundir.CodeVersion;
import io.tunecard.rundir.Lineage;
import io.tunecard.rundir.Manifest;
import io.tunecard.rundir.ManifestFile;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.train.BaseFingerprint;
import io.tunecard.train.PrepareBase;
import io.tunecard.train.TrainAdapter;
import io.tunecard.worker.WorkerCommand;
import io.tunecard.worker.WorkerSources;
import io.tunecard.workflow.Workflow;
import io.tunecard.workflow.WorkflowContext;
import io.tunecard.workflow.WorkflowLoader;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Keys;
import org.apache.beam.sdk.values.PCollection;

/**
 * {@code tunecard run}: plans the stages against the stage cache, writes the lineage, and runs the
 * stages that must run as ONE Beam pipeline (each stage a composite transform framed by {@link
 * StageMarks}); publishing, when enabled, runs afterwards in this process, where the Hub token is.
 */
public final class RunWorkflow {
  private RunWorkflow() {}

  /**
   * How to run: the runner, stages forced to rerun, where reports go, and whether every recorded
   * output is hashed before it is reused ({@code --verify}).
   */
  public record Options(
      Runners.Kind runner,
      String flinkMaster,
      int parallelism,
      Set<Stage> forced,
      Stage until,
      Path reportsRoot,
      boolean verify) {
    public Options {
      forced = Set.copyOf(forced);
    }

    public Options(
        Runners.Kind runner,
        String flinkMaster,
        int parallelism,
        Set<Stage> forced,
        Stage until,
        Path reportsRoot) {
      this(runner, flinkMaster, parallelism, forced, until, reportsRoot, false);
    }
  }

  /** The plan that was executed and the reports folder. */
  public record Result(StagePlan plan, Path reports) {}

  public static Result run(
      WorkflowLoader.Loaded loaded, RunDirectory run, Options options, PrintWriter out) {
    Workflow w = loaded.workflow();
    Path reports = CardRenderer.reportsDir(options.reportsRoot(), w.name());
    Manifest manifest = new Manifest(run);
    List<Stage> stages = stages(w);
    if (options.until() != null) {
      if (!stages.contains(options.until())) {
        throw new BadInputException(
            "--until " + options.until().key() + ": this workflow has no such stage");
      }
      stages = stages.subList(0, stages.indexOf(options.until()) + 1);
    }
    Preflight.check(
        w, stages.contains(Stage.PUBLISH), stages.stream().anyMatch(s -> s != Stage.INGEST));
    StagePlan plan =
        StagePlan.plan(
            w, stages, manifest, options.forced(), new Inputs(w, run, reports), options.verify());
    for (StagePlan.Step s : plan.steps()) {
      out.printf(
          Locale.ROOT,
          "%-9s %s (%s, key %s)%n",
          s.stage().key(),
          s.run() ? "runs" : "skipped",
          s.explained(),
          s.key().substring(0, 12));
    }
    out.flush();
    if (plan.steps().stream().noneMatch(StagePlan.Step::run)) {
      out.println("Everything is up to date: " + run.root());
      return new Result(plan, reports);
    }
    // Before anything is written: a workflow file edited since it was loaded is refused here.
    WorkflowContext context = WorkflowContext.of(loaded, run.root());
    writeLineage(loaded, manifest, w);
    List<Stage> inPipeline =
        plan.steps().stream()
            .filter(StagePlan.Step::run)
            .map(StagePlan.Step::stage)
            .filter(s -> s != Stage.PUBLISH)
            .toList();
    inPipeline.forEach(s -> manifest.clearStage(s.key()));
    if (!inPipeline.isEmpty()) {
      runPipeline(context, options, plan, inPipeline, reports);
    }
    if (plan.runs(Stage.PUBLISH)) {
      publish(w, run, reports, manifest, plan.step(Stage.PUBLISH).key(), out);
    }
    return new Result(plan, reports);
  }

  /**
   * Publishes when the gate passes. It runs here, in the process that started the run, because that
   * is where the Hub token is (the environment), not on the pipeline's workers.
   */
  private static void publish(
      Workflow w, RunDirectory run, Path reports, Manifest manifest, String key, PrintWriter out) {
    String repo = w.repoId();
    if (repo == null) {
      throw new BadInputException(
          "publish.enabled is true but neither publish.repo_id nor card.repo_id names a repository");
    }
    java.time.Instant started = java.time.Instant.now();
    PublishResult result =
        new Publisher(HubAccess.fromEnvironment(System.getenv()), Backoff.standard(), out)
            .publish(new Publisher.Request(run, reports, w, repo, false));
    recordPublish(manifest, result);
    if (result.status() == PublishResult.Status.GATE_FAILED) {
      out.println(
          "publish: the gate refused; nothing was sent (reasons recorded in manifest.json)");
      return;
    }
    manifest.stageFinished(Stage.PUBLISH.key(), key, started, null);
  }

  /** Merges a publish outcome (gate verdict, Hub commit) into the manifest's lineage. */
  public static void recordPublish(Manifest manifest, PublishResult result) {
    manifest.recordPublish(result.toEntry());
  }

  static List<Stage> stages(Workflow w) {
    List<Stage> stages = new ArrayList<>(List.of(Stage.INGEST));
    if (w.model().isScratch()) {
      stages.add(Stage.BASE);
    }
    stages.addAll(List.of(Stage.TRAIN, Stage.EVALUATE, Stage.CARD));
    if (w.publish().enabled()) {
      stages.add(Stage.PUBLISH);
    }
    return stages;
  }

  /**
   * Runs {@code stages} as one Beam pipeline, each step carrying {@code context}; a stage starts on
   * the done signal of the one before, so what a step reads from the run directory (the hf engine's
   * checkpoints, say) exists when it runs.
   */
  private static void runPipeline(
      WorkflowContext context, Options options, StagePlan plan, List<Stage> stages, Path reports) {
    Workflow w = context.workflow();
    RunDirectory run = new RunDirectory(context.runDir());
    Inputs inputs = new Inputs(w, run, reports);
    Pipeline pipeline =
        Pipeline.create(
            Runners.options(options.runner(), options.flinkMaster(), options.parallelism()));
    try (Stagings stagings = new Stagings()) {
      PCollection<String> signal = null;
      for (Stage stage : stages) {
        String name = capitalized(stage.key());
        String key = plan.step(stage).key();
        if (stage == Stage.INGEST) {
          // The input was checked once, by the preflight. Ingest reads from the pipeline's
          // beginning, so its start is recorded here.
          new Manifest(run).stageStarted(stage.key());
          signal =
              pipeline
                  .apply(
                      "Ingest",
                      new IngestDataset(
                          context, IngestOptions.of(context, stagings.beside(run.dataset()))))
                  .apply(
                      "MarkIngestDone",
                      StageMarks.finish(run.root(), stage, key, inputs.outputs(stage)));
          continue;
        }
        if (signal == null) {
          signal = pipeline.apply("Start" + name, Create.of(stage.key()));
        }
        signal = signal.apply("Mark" + name + "Started", StageMarks.start(run.root(), stage));
        WorkflowContext keyed = context.forStage(key); // base and training resume by stage key
        PCollection<String> done =
            switch (stage) {
              case BASE ->
                  signal
                      .apply("PrepareBase", new PrepareBase(keyed))
                      .apply("BaseReady", Keys.create());
              case TRAIN -> {
                PCollection<String> ready =
                    w.model().isScratch()
                        ? signal
                        : signal
                            .apply("LocateBase", new PrepareBase(keyed))
                            .apply("BaseLocated", Keys.create());
                yield ready
                    .apply("TrainAdapter", new TrainAdapter(keyed))
                    .apply("Trained", Keys.create());
              }
              case EVALUATE -> {
                Path staging = stagings.beside(run.eval());
                yield signal.apply(
                    "EvaluateModels",
                    new EvaluationStage.Step(
                        context, EvalOptions.defaults().withTorchThreads(1), staging));
              }
              case CARD -> signal.apply("RenderCard", new RenderCard(context, reports));
              case INGEST, PUBLISH ->
                  throw new IllegalStateException(stage + " is not a pipeline step here");
            };
        signal =
            done.apply(
                "Mark" + name + "Done",
                StageMarks.finish(run.root(), stage, key, inputs.outputs(stage)));
      }
      PipelineResult.State state = pipeline.run().waitUntilFinish();
      if (state != PipelineResult.State.DONE) {
        throw new IllegalStateException("the pipeline ended in state " + state);
      }
    } catch (RuntimeException e) {
      throw BadInputException.unwrap(e);
    }
  }

  private static void writeLineage(WorkflowLoader.Loaded loaded, Manifest manifest, Workflow w) {
    Path home = Path.of(System.getProperty("tunecard.home", "."));
    Lineage.Git git = Lineage.git(home);
    Map<String, Long> seeds = new LinkedHashMap<>();
    seeds.put("split", w.dataset().split().seed());
    seeds.put("train", w.train().seed());
    seeds.put("eval", w.eval().seed());
    manifest.recordLineage(
        new ManifestFile.WorkflowEntry(
            w.name(), relative(loaded.file()), loaded.fileSha256(), loaded.overrides()),
        git,
        Lineage.versions(),
        seeds);
  }

  private static String relative(Path file) {
    Path abs = file.toAbsolutePath().normalize();
    Path cwd = Path.of("").toAbsolutePath();
    return abs.startsWith(cwd) ? cwd.relativize(abs).toString() : abs.toString();
  }

  private static String capitalized(String s) {
    return Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }

  /** Stage inputs beyond settings and code, and the files and folders each stage writes. */
  private record Inputs(Workflow w, RunDirectory run, Path reports) implements StagePlan.Inputs {
    @Override
    public String extra(Stage stage) {
      if (stage == Stage.INGEST) {
        Path data = IngestConfig.inputOf(w.dataset());
        if (!Files.exists(data)) {
          throw new BadInputException(
              "dataset.path: " + data + " does not exist (expected a MedQuAD folder or .zip)");
        }
        return CodeVersion.ofPath(data);
      }
      List<String> parts = new ArrayList<>();
      if (stage == Stage.TRAIN || stage == Stage.EVALUATE) {
        if (!w.model().isScratch()) {
          parts.add("base " + BaseFingerprint.of(w));
        }
        String engine = stage == Stage.TRAIN ? w.train().engine() : w.eval().engine();
        if (engine.equals("hf")) {
          parts.add("worker " + WorkerSources.fingerprint(WorkerCommand.pythonSources()));
        }
      }
      return String.join("\n", parts);
    }

    /**
     * What each stage writes. Ingest's stats.json is left out: the base (or training, for a
     * pre-trained base) fills its answer_tokens once a tokenizer exists.
     */
    @Override
    public List<Path> outputs(Stage stage) {
      return switch (stage) {
        case INGEST ->
            List.of(run.split("train"), run.split("validation"), run.split("test"), run.rejected());
        case BASE -> List.of(run.tokenizer(), run.base());
        case TRAIN -> List.of(run.train());
        case EVALUATE -> List.of(run.eval());
        case CARD -> List.of(reports);
        case PUBLISH -> List.of();
      };
    }
  }
}
