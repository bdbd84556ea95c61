package io.tunecard.card;

import io.tunecard.files.BadInputException;
import io.tunecard.rundir.DatasetStatsFile;
import io.tunecard.rundir.EvalMetricsFile;
import io.tunecard.rundir.ManifestFile;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.rundir.TrainMetricsRow;
import io.tunecard.workflow.Workflow;
import io.tunecard.workflow.WorkflowLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a run directory in the formats of docs/run-directory.md. The workflow supplies what the run
 * directory does not record (hyper-parameters, base model, card settings); without one, the
 * workflow file named in {@code manifest.json} is loaded when its sha256 still matches.
 */
final class RunDirectoryImporter {
  /** The Hub data set that tunecard's {@code hf-export} source reads (its columns). */
  static final String MEDQUAD_HUB_ID = "lavita/MedQuAD";

  private final RunDirectory run;
  private final Workflow givenWorkflow;

  RunDirectoryImporter(Path root, Workflow workflow) {
    if (!Files.isDirectory(root)) {
      throw new BadInputException(root + ": not a directory (expected a run directory)");
    }
    this.run = new RunDirectory(root);
    this.givenWorkflow = workflow;
  }

  CardModel read() {
    ManifestFile manifest = manifest();
    Workflow w = givenWorkflow != null ? givenWorkflow : workflowOf(manifest.workflow());
    EvalMetricsFile metrics = metrics();

    String title = titleOf(w);
    DatasetStatsFile stats = stats();
    String source = stats.source();
    ModelFacts model =
        new ModelFacts(
            title,
            w.model().base(),
            w.repoId(),
            w.card().license(),
            "en",
            datasetId(source != null ? source : w.dataset().source(), w.dataset().repo()),
            "MedQuAD",
            List.of("lora", "peft", "medical", "medquad", "text-generation", "tunecard"),
            "text-generation");
    var evalFacts = new EvalImporter(run, metrics).read(w.eval().rougeStemming());
    return new CardModel(
        displayName(run.root()),
        CardModel.SourceKind.RUN_DIRECTORY,
        model,
        dataset(w, stats),
        training(w),
        trainingLog(),
        evalFacts,
        Reported.NONE,
        environment(manifest),
        lineage(manifest),
        new EvalImporter(run, metrics)
            .samples(w.card().samples(), evalFacts.maxNewTokens(), evalFacts.strategies()),
        null);
  }

  /**
   * The data set's Hub id for the source the run actually read: the Hub export ({@code hf-export})
   * is {@value #MEDQUAD_HUB_ID}; a Hub data set ({@code hub}) is {@code dataset.repo} without its
   * revision; MedQuAD's original XML ({@code medquad-xml}) is no Hub data set, so it has none
   * (null).
   */
  static String datasetId(String source, String repo) {
    if ("hf-export".equals(source)) {
      return MEDQUAD_HUB_ID;
    }
    if ("hub".equals(source) && repo != null) {
      int at = repo.indexOf('@');
      return at < 0 ? repo : repo.substring(0, at);
    }
    return null;
  }

  static String titleOf(Workflow w) {
    if (w.repoId() != null) {
      return w.repoId().substring(w.repoId().indexOf('/') + 1);
    }
    return w.name();
  }

  private Workflow workflowOf(ManifestFile.WorkflowEntry wf) {
    String file = wf == null ? null : wf.file();
    if (file == null) {
      throw new BadInputException(
          run.manifest() + ": key 'workflow.file' is missing; pass the workflow with --workflow");
    }
    Path path = Path.of(file);
    if (!Files.isRegularFile(path)) {
      throw new BadInputException(
          run.manifest()
              + ": workflow file '"
              + file
              + "' is not found from here; pass the workflow with --workflow");
    }
    WorkflowLoader.Loaded loaded = WorkflowLoader.load(path, wf.overrides());
    String recorded = wf.sha256() == null ? "" : wf.sha256();
    if (!recorded.isEmpty() && !recorded.equals(loaded.fileSha256())) {
      throw new BadInputException(
          file
              + ": changed since the run (sha256 "
              + loaded.fileSha256()
              + ", manifest records "
              + recorded
              + "); pass the run's workflow with --workflow");
    }
    return loaded.workflow();
  }

  /** manifest.json ({@link ManifestFile}; a missing file is named as the card's need). */
  private ManifestFile manifest() {
    if (!Files.isRegularFile(run.manifest())) {
      throw new BadInputException(run.manifest() + ": not found (the card needs it)");
    }
    return ManifestFile.read(run.manifest());
  }

  /** eval/metrics.json ({@link EvalMetricsFile}; a missing file is named as the card's need). */
  private EvalMetricsFile metrics() {
    if (!Files.isRegularFile(run.evalMetrics())) {
      throw new BadInputException(run.evalMetrics() + ": not found (the card needs it)");
    }
    return EvalMetricsFile.read(run.evalMetrics());
  }

  /** dataset/stats.json ({@link DatasetStatsFile}; a missing file is named as the card's need). */
  private DatasetStatsFile stats() {
    if (!Files.isRegularFile(run.stats())) {
      throw new BadInputException(run.stats() + ": not found (the card needs it)");
    }
    return DatasetStatsFile.read(run.stats());
  }

  private DatasetFacts dataset(Workflow w, DatasetStatsFile stats) {
    var split = w.dataset().split();
    Map<String, Double> fractions = new LinkedHashMap<>();
    fractions.put("train", split.train());
    fractions.put("validation", split.validation());
    fractions.put("test", split.test());
    DatasetStatsFile.Rows rows =
        stats.rows() == null ? new DatasetStatsFile.Rows(null, null, null) : stats.rows();
    DatasetStatsFile.NearDuplicates near = stats.nearDuplicates();
    return new DatasetFacts(
        stats.source(),
        fractions,
        new LinkedHashMap<>(stats.splits()),
        false,
        rows.read(),
        rows.usable(),
        rows.rejected(),
        new LinkedHashMap<>(stats.rejectedByReason()),
        near == null ? null : near.count(),
        QuestionOverlap.of(run.split("train"), run.split(w.eval().split()), w.eval().split()));
  }

  private static TrainingFacts training(Workflow w) {
    var t = w.train();
    var l = w.lora();
    return new TrainingFacts(
        t.engine(),
        t.device(),
        w.model().quantization(),
        l.r(),
        l.alpha(),
        l.dropout(),
        l.targets(),
        t.epochs(),
        null,
        t.maxSteps() == null ? null : t.maxSteps().longValue(),
        t.microBatch(),
        t.gradAccum(),
        t.effectiveBatch(),
        false,
        t.lr(),
        t.schedule(),
        t.warmupRatio(),
        t.maxGradNorm(),
        w.model().maxSeqLen(),
        t.logEvery(),
        t.evalEvery(),
        t.seed(),
        t.evalLimit());
  }

  private List<LogRow> trainingLog() {
    Path file = run.trainMetrics();
    if (!Files.isRegularFile(file)) {
      throw new BadInputException(file + ": not found (the card needs the training log)");
    }
    List<LogRow> rows = new ArrayList<>();
    for (TrainMetricsRow r : TrainMetricsRow.readAll(file)) {
      rows.add(new LogRow(r.step(), r.epoch(), r.loss(), r.evalLoss(), r.lr(), r.gradNorm()));
    }
    rows.sort(java.util.Comparator.comparingLong(LogRow::step));
    return rows;
  }

  private static Environment environment(ManifestFile manifest) {
    Map<String, Double> seconds = new LinkedHashMap<>();
    manifest
        .stages()
        .forEach(
            (stage, s) -> {
              if (s.seconds() != null) {
                seconds.put(stage, s.seconds());
              }
            });
    return new Environment(manifest.hardware(), seconds);
  }

  private static Lineage lineage(ManifestFile manifest) {
    ManifestFile.WorkflowEntry wf = manifest.workflow();
    List<String> overrides = wf == null ? List.of() : wf.overrides();
    String file = wf == null ? null : wf.file();
    StringBuilder command =
        new StringBuilder("./tunecard run ").append(file == null ? "WORKFLOW" : shellQuote(file));
    overrides.forEach(o -> command.append(" --set ").append(shellQuote(o)));
    var git = manifest.git();
    var adapter = manifest.adapter();
    return new Lineage(
        command.toString(),
        manifest.tunecardVersion(),
        wf == null ? null : wf.name(),
        file,
        wf == null ? null : wf.sha256(),
        overrides,
        git == null ? null : git.commit(),
        git == null ? null : git.dirty(),
        new LinkedHashMap<>(manifest.versions()),
        new LinkedHashMap<>(manifest.seeds()),
        adapter == null ? null : adapter.checkpoint(),
        adapter == null ? null : adapter.sha256());
  }

  /**
   * Quotes a word (the workflow path, a --set value) for a POSIX shell when it holds anything but
   * plain characters.
   */
  static String shellQuote(String s) {
    if (s.matches("[A-Za-z0-9_.,=:/+\\-\\[\\]]+")) {
      return s;
    }
    return "'" + s.replace("'", "'\\''") + "'";
  }

  /**
   * How the card names the run directory: relative to the working directory when inside it, else
   * its last two folders ({@code <workflow>/<run-id>}) — never a machine's absolute path.
   */
  static String displayName(Path root) {
    Path cwd = Path.of("").toAbsolutePath().normalize();
    Path abs = root.toAbsolutePath().normalize();
    if (abs.startsWith(cwd) && !abs.equals(cwd)) {
      return cwd.relativize(abs).toString().replace('\\', '/');
    }
    int n = abs.getNameCount();
    return n >= 2 ? abs.subpath(n - 2, n).toString().replace('\\', '/') : abs.toString();
  }
}
