package io.tunecard.cli;

import io.tunecard.files.BadInputException;
import io.tunecard.hub.Backoff;
import io.tunecard.hub.HubAccess;
import io.tunecard.publish.PublishResult;
import io.tunecard.publish.Publisher;
import io.tunecard.rundir.Manifest;
import io.tunecard.rundir.ManifestFile;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.rundir.RunDirectoryLock;
import io.tunecard.workflow.CardSpec;
import io.tunecard.workflow.Workflow;
import io.tunecard.workflow.WorkflowLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tunecard publish}: the card and the best adapter of a run to the Hugging Face Hub, gated
 * by {@code publish.gate}. The token comes only from the environment (HF_TOKEN, the token file);
 * there is deliberately no option for it.
 */
@Command(
    name = "publish",
    mixinStandardHelpOptions = true,
    description = {
      "Publish a run's model card and best adapter to the Hugging Face Hub as one commit,"
          + " if the workflow's publish.gate passes.",
      "Token: HF_TOKEN, else the file HF_TOKEN_PATH, else $HF_HOME/token, else"
          + " ~/.cache/huggingface/token. Endpoint: HF_ENDPOINT (default https://huggingface.co).",
      "Exit codes: 0 published (or already published, or a dry run), 3 the gate refused,"
          + " 2 bad input, 1 failure."
    })
final class PublishCommand implements Callable<Integer> {
  static final int GATE_FAILED = 3;

  @Option(names = "--run-dir", required = true, paramLabel = "DIR", description = "The run.")
  Path runDir;

  @Option(
      names = "--workflow",
      paramLabel = "FILE",
      description = "The workflow (default: workflow.file of the run's manifest.json).")
  Path workflow;

  @Option(
      names = "--repo-id",
      paramLabel = "OWNER/NAME",
      description = "Target repository (default: publish.repo_id, else card.repo_id).")
  String repoId;

  @Option(
      names = "--reports",
      paramLabel = "DIR",
      description = "The rendered card (default: reports/<workflow-name>).")
  Path reports;

  @Option(
      names = "--dry-run",
      description =
          "Print the exact commit and the gate verdict; send nothing (reads only, and only"
              + " when a token is present).")
  boolean dryRun;

  @Option(names = "--verbose", description = "Show stack traces.")
  boolean verbose;

  @Spec CommandSpec spec;

  private final Map<String, String> env;

  PublishCommand() {
    this(System.getenv());
  }

  PublishCommand(Map<String, String> env) {
    this.env = Map.copyOf(env);
  }

  @Override
  public Integer call() {
    RunDirectory run = new RunDirectory(runDir);
    if (!Files.isDirectory(run.root())) {
      throw new BadInputException(runDir + ": no such run directory");
    }
    Workflow w = loadWorkflow(run);
    String repo = repoId != null ? repoId : w.repoId();
    if (repo == null && !dryRun) {
      throw new BadInputException(
          "no repository to publish to: pass --repo-id or set publish.repo_id or card.repo_id");
    }
    // The workflow's repo ids were checked when it was loaded; only the option is left.
    if (repoId != null && !repoId.matches(CardSpec.REPO_ID)) {
      throw new BadInputException(
          "--repo-id: expected " + CardSpec.REPO_ID_TEXT + ", found '" + repoId + "'");
    }
    Path reportsDir = reports != null ? reports : Path.of("reports").resolve(w.name());
    HubAccess access = HubAccess.fromEnvironment(env);
    var out = spec.commandLine().getOut();
    PublishResult result;
    // A dry run writes nothing; a publish records its commit in the run, under the run's lock.
    try (RunDirectoryLock lock = dryRun ? null : WorkflowOptions.lock(run, "publish", out)) {
      result =
          new Publisher(access, Backoff.standard(), out)
              .publish(new Publisher.Request(run, reportsDir, w, repo, dryRun));
      if (result.status() != PublishResult.Status.DRY_RUN && Files.exists(run.manifest())) {
        new Manifest(run).recordPublish(result.toEntry());
      }
    }
    if (result.status() == PublishResult.Status.GATE_FAILED) {
      return GATE_FAILED;
    }
    return Main.OK;
  }

  private Workflow loadWorkflow(RunDirectory run) {
    if (workflow != null) {
      return WorkflowLoader.load(workflow, List.of()).workflow();
    }
    Path manifest = run.manifest();
    if (!Files.isRegularFile(manifest)) {
      throw new BadInputException(manifest + ": not found; pass --workflow FILE");
    }
    ManifestFile.WorkflowEntry recorded = ManifestFile.read(manifest).workflow();
    String file = recorded == null || recorded.file() == null ? "" : recorded.file();
    if (file.isEmpty()) {
      throw new BadInputException(manifest + ": workflow.file: missing; pass --workflow FILE");
    }
    Path p = Path.of(file);
    if (!p.isAbsolute() && !Files.exists(p)) {
      p = run.root().resolve(file);
    }
    if (!Files.isRegularFile(p)) {
      throw new BadInputException(
          manifest + ": workflow.file '" + file + "' not found; pass --workflow FILE");
    }
    return WorkflowLoader.load(p, recorded.overrides()).workflow();
  }
}
