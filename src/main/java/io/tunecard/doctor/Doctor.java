package io.tunecard.doctor;

import io.tunecard.card.Charts;
import io.tunecard.files.BadInputException;
import io.tunecard.hub.HubAccess;
import io.tunecard.model.MistralConfig;
import io.tunecard.model.ModelLocator;
import io.tunecard.worker.JsonSchema;
import io.tunecard.worker.PythonProbe;
import io.tunecard.worker.WorkerCommand;
import io.tunecard.workflow.BertScoreSpec;
import io.tunecard.workflow.Workflow;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * {@code tunecard doctor}: checks what a run of a workflow needs on this host, in the order a run
 * needs it: Java and the build, the djl engine, the hf engine's interpreter and packages and GPU
 * ({@link PythonChecks}), bitsandbytes for NF4, the dataset, the base model and the BERTScore
 * encoder in the local Hugging Face cache, disk for checkpoints, and the Hub token when publishing.
 * Without a workflow it checks the host for the hf engine with the default interpreter.
 */
public final class Doctor {
  private final Map<String, String> env;
  private final Path home;
  private final Function<String, PythonProbe.Outcome> probe;
  private final Supplier<String> djlVersion;

  /**
   * @param probe asks an interpreter for its report ({@link PythonProbe#ask} with torch)
   * @param djlVersion loads DJL's PyTorch engine and returns its version; throws when it cannot
   */
  public Doctor(
      Map<String, String> env,
      Path home,
      Function<String, PythonProbe.Outcome> probe,
      Supplier<String> djlVersion) {
    this.env = Map.copyOf(env);
    this.home = home;
    this.probe = probe;
    this.djlVersion = djlVersion;
  }

  /** This process's environment, the real interpreter and the real DJL engine. */
  public static Doctor system() {
    return new Doctor(
        System.getenv(),
        Path.of(System.getProperty("user.home")),
        python -> PythonProbe.ask(python, true),
        () -> ai.djl.engine.Engine.getEngine("PyTorch").getVersion());
  }

  /**
   * @param file the workflow file (for the report's title), null with {@code w}
   * @param w the workflow, or null to check the host for the hf engine alone
   * @param runRoot where the run directory will be (its disk is checked)
   * @param nf4Backend {@code model.nf4_backend}; null: the workflow's (its default, builtin)
   */
  public HostReport examine(Path file, Workflow w, Path runRoot, String nf4Backend) {
    List<Finding> out = new ArrayList<>();
    out.add(java());
    out.add(build());
    out.add(djl(w));
    out.add(fonts());
    boolean hf = w == null || w.train().engine().equals("hf") || w.eval().engine().equals("hf");
    PythonChecks python =
        new PythonChecks(
            w, hf, nf4Backend != null || w == null ? nf4Backend : w.model().nf4Backend());
    out.addAll(python.check(hf ? probe.apply(python(w)) : null));
    if (w == null) {
      out.add(token(null));
      return new HostReport(null, null, out);
    }
    ModelLocator locator = new ModelLocator(env, home);
    out.add(dataset(w, locator));
    Footprint size = null;
    if (w.model().isScratch()) {
      out.add(Finding.ok("base model", "made by the base stage (model.base: scratch)"));
      size = Footprint.of(Footprint.scratchConfig(w.model()), w.lora());
    } else {
      try {
        Path dir = locator.find(w.model().base());
        size = footprint(dir, w);
        out.add(Finding.ok("base model", w.model().base() + " at " + dir + describe(size)));
      } catch (BadInputException e) {
        ModelLocator.Found where = locator.locate(w.model().base(), "config.json");
        out.add(
            Finding.missing(
                "base model",
                where.directory().isEmpty() ? where.reason() : e.getMessage(),
                "`./tunecard pull "
                    + w.model().base()
                    + "` (HF_TOKEN of an account with access, for a gated model; `tunecard run`"
                    + " also pulls it unless --offline) into the Hugging Face cache ("
                    + locator.hubCache()
                    + "), set HF_HOME or HF_HUB_CACHE to a cache that has it, or set model.base"
                    + " to a local model directory"));
      }
    }
    out.add(bertscore(w.eval().bertscore(), locator));
    out.add(disk(w, runRoot, size));
    out.add(token(w));
    if (size != null) {
      python.gpuMemory(size).ifPresent(out::add);
    }
    return new HostReport(file == null ? null : file.toString(), w.name(), out);
  }

  static String python(Workflow w) {
    return w == null ? "python3" : w.train().python();
  }

  private static Finding java() {
    Runtime.Version v = Runtime.version();
    String found =
        v + " (" + System.getProperty("java.vendor") + ") at " + System.getProperty("java.home");
    return v.feature() >= 17
        ? Finding.ok("java", found)
        : Finding.missing("java", found, "install Java 17 or newer");
  }

  private static Finding build() {
    String version = Doctor.class.getPackage().getImplementationVersion();
    var source = Doctor.class.getProtectionDomain().getCodeSource();
    String where = source == null ? "?" : source.getLocation().getPath();
    String found =
        "tunecard " + (version == null ? "(development build)" : version) + " at " + where;
    if (JsonSchema.class.getResource("spec.schema.json") == null
        || JsonSchema.class.getResource("events.schema.json") == null) {
      return Finding.missing(
          "tunecard build",
          found + "; the worker protocol's schemas are not on the class path",
          "rebuild: mvn -B -q -DskipTests compile (the schemas come from"
              + " src/main/python/tunecard_worker/schemas)");
    }
    Path sources = WorkerCommand.pythonSources();
    return Finding.ok(
        "tunecard build",
        found
            + (Files.isDirectory(sources.resolve("tunecard_worker"))
                ? "; worker sources " + sources
                : "; no worker sources beside it (the hf engine needs tunecard_worker installed)"));
  }

  private Finding djl(Workflow w) {
    List<String> uses = new ArrayList<>();
    if (w != null) {
      if (w.model().isScratch()) {
        uses.add("the scratch base");
      }
      if (w.train().engine().equals("djl")) {
        uses.add("train.engine djl");
      }
      if (w.eval().engine().equals("djl")) {
        uses.add("eval.engine djl");
      }
      if (w.eval().engine().equals("djl") && w.eval().bertscore() != null) {
        uses.add("BERTScore");
      }
    }
    String version;
    try {
      version = djlVersion.get();
    } catch (RuntimeException | LinkageError e) {
      String why = "DJL's PyTorch engine does not load: " + e.getMessage();
      String fix =
          "DJL takes libtorch from the pytorch-native-cpu jar (a bundle made with --slim has none:"
              + " make one without it) and extracts it into ~/.djl.ai on first use: check that"
              + " folder is writable, or set DJL_CACHE_DIR";
      return uses.isEmpty()
          ? Finding.warn("djl engine", why + " (this workflow does not use it)", fix)
          : Finding.missing("djl engine", why + "; needed by " + String.join(", ", uses), fix);
    }
    return Finding.ok(
        "djl engine",
        "PyTorch " + version + (uses.isEmpty() ? "" : " (for " + String.join(", ", uses) + ")"));
  }

  private Finding fonts() {
    String config = env.get("FONTCONFIG_FILE");
    return Charts.fontProblem()
        .map(
            why -> Finding.missing("fonts", why + "; needed by the card's charts", Charts.FONT_FIX))
        .orElseGet(
            () ->
                Finding.ok(
                    "fonts",
                    "Java draws the card's charts"
                        + (config == null ? "" : " (fonts from " + config + ")")));
  }

  private static Finding dataset(Workflow w, ModelLocator locator) {
    if (w.dataset().isHub()) {
      String repo = w.dataset().repo();
      String name = repo.contains("@") ? repo.substring(0, repo.indexOf('@')) : repo;
      Path snapshots =
          locator.hubCache().resolve("datasets--" + name.replace("/", "--")).resolve("snapshots");
      return Files.isDirectory(snapshots)
          ? Finding.ok("dataset", "Hub dataset " + repo + " in " + snapshots.getParent())
          : Finding.warn(
              "dataset",
              "Hub dataset " + repo + " is not in " + locator.hubCache(),
              "`tunecard run` pulls it (not with --offline), or `./tunecard pull "
                  + repo
                  + " --repo-type dataset`");
    }
    Path p = Path.of(w.dataset().path());
    return Files.exists(p)
        ? Finding.ok("dataset", p.toAbsolutePath().normalize() + " (" + w.dataset().source() + ")")
        : Finding.missing(
            "dataset",
            p + " does not exist",
            "set dataset.path to MedQuAD's XML folder or zip, or to the Hub export (source"
                + " hf-export)");
  }

  private static Footprint footprint(Path dir, Workflow w) {
    try {
      return Footprint.of(MistralConfig.read(dir), w.lora());
    } catch (RuntimeException e) {
      return null; // not a Mistral-family config: sizes are not estimated
    }
  }

  private static String describe(Footprint f) {
    return f == null
        ? ""
        : String.format(
            java.util.Locale.ROOT,
            " (%.2f B parameters; LoRA %.1f M)",
            f.baseParams() / 1e9,
            f.loraParams() / 1e6);
  }

  private Finding bertscore(BertScoreSpec spec, ModelLocator locator) {
    if (spec == null) {
      return Finding.skipped("bertscore encoder", "not configured (eval.bertscore)");
    }
    ModelLocator.Found found = locator.locate(spec.model(), "config.json");
    Path dir = found.directory().orElse(null);
    if (dir != null
        && Files.isRegularFile(dir.resolve("tokenizer.json"))
        && (Files.isRegularFile(dir.resolve("model.safetensors"))
            || Files.isRegularFile(dir.resolve("model.safetensors.index.json")))) {
      return Finding.ok("bertscore encoder", spec.model() + " at " + dir);
    }
    String why =
        dir == null ? found.reason() : dir + " lacks tokenizer.json or safetensors weights";
    return Finding.warn(
        "bertscore encoder",
        why,
        "the card reports BERTScore as not computed; `./tunecard pull "
            + spec.model()
            + "` (or `tunecard run`, unless --offline) puts it in the Hugging Face cache, or set"
            + " eval.bertscore.model to a local directory");
  }

  private static Finding disk(Workflow w, Path runRoot, Footprint size) {
    Path existing = runRoot.toAbsolutePath().normalize();
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    long free;
    try {
      if (existing == null) {
        throw new IOException("no existing parent");
      }
      free = Files.getFileStore(existing).getUsableSpace();
    } catch (IOException e) {
      return Finding.warn(
          "disk", "cannot tell the free space at " + runRoot, "check the disk by hand");
    }
    String where = Footprint.bytes(free) + " free at " + existing;
    if (size == null) {
      return Finding.warn(
          "disk",
          where + "; the checkpoints' size is unknown until the base's config.json is present",
          "rerun the doctor once the base model is in place");
    }
    long need = size.trainingDiskBytes(w);
    String found =
        where
            + "; checkpoints need up to "
            + Footprint.bytes(need)
            + " ("
            + (w.train().keepLast() + 2)
            + " x "
            + Footprint.bytes(size.checkpointBytes())
            + (w.model().isScratch() ? ", and the scratch base" : "")
            + ")";
    return free >= need
        ? Finding.ok("disk", found)
        : Finding.missing(
            "disk",
            found,
            "free space under " + existing + ", or lower train.keep_last, or use --run-dir");
  }

  private Finding token(Workflow w) {
    boolean needed = w != null && w.publish().enabled();
    HubAccess access;
    try {
      access = HubAccess.fromEnvironment(env);
    } catch (BadInputException e) {
      String why = "the Hub token is unusable: " + e.getMessage();
      String fix = "set HF_TOKEN to a valid token (a write token to publish)";
      return needed ? Finding.missing("hub token", why, fix) : Finding.warn("hub token", why, fix);
    }
    if (access.token().isPresent()) {
      return Finding.ok("hub token", "present (from " + access.tokenSource() + "; not shown)");
    }
    if (needed) {
      return Finding.missing(
          "hub token",
          "none (publish.enabled is true)",
          "export HF_TOKEN with a write token"
              + (w.repoId() == null ? "" : " for " + w.repoId())
              + ", or set publish.enabled: false");
    }
    return Finding.skipped(
        "hub token",
        w == null
            ? "none; only publishing needs it (HF_TOKEN or the Hugging Face token file)"
            : "none; not needed (publish.enabled is false)");
  }
}
