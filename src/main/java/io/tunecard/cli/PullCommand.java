package io.tunecard.cli;

import io.tunecard.files.BadInputException;
import io.tunecard.hub.Backoff;
import io.tunecard.hub.HubAccess;
import io.tunecard.hub.HubCache;
import io.tunecard.hub.HubHttp;
import io.tunecard.hub.HubInputs;
import io.tunecard.hub.Progress;
import io.tunecard.hub.Pull;
import io.tunecard.hub.RepoRef;
import io.tunecard.hub.Selection;
import io.tunecard.hub.Snapshot;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tunecard pull}: a Hub repository into the Hugging Face cache, in huggingface_hub's layout,
 * each file verified. Progress goes to stderr; the snapshot's path is the one line on stdout.
 */
@Command(
    name = "pull",
    mixinStandardHelpOptions = true,
    versionProvider = Versions.class,
    description = {
      "Download a model or dataset repository from the Hugging Face Hub into the Hugging Face"
          + " cache (HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub).",
      "Default files: a model's configuration, tokenizer and safetensors weights; a dataset's"
          + " parquet, JSONL and CSV files. --include '*' takes every file.",
      "Interrupted downloads resume; every file is checked against the Hub's sha256 or git blob"
          + " id before it enters the cache. Token: HF_TOKEN or the token file; endpoint:"
          + " HF_ENDPOINT.",
      "Exit codes: 0 pulled, 2 bad input (unknown repository or revision, no access), 1 failure."
    })
final class PullCommand implements Callable<Integer> {
  static final int DEFAULT_WORKERS = 4;

  @Parameters(index = "0", paramLabel = "REPO_ID", description = "org/name (or org/name@revision).")
  String repoId;

  @Option(
      names = "--revision",
      paramLabel = "REV",
      description = "A branch, tag or commit (default: main).")
  String revision;

  @Option(
      names = "--repo-type",
      paramLabel = "TYPE",
      defaultValue = "model",
      description = "model or dataset (default: ${DEFAULT-VALUE}).")
  String repoType;

  @Option(
      names = "--include",
      paramLabel = "GLOB",
      split = ",",
      description =
          "Only files matching GLOB (repeatable; fnmatch: * also crosses folders), e.g."
              + " --include '*.json' --include 'model-*.safetensors'.")
  List<String> include = new ArrayList<>();

  @Option(
      names = "--max-workers",
      paramLabel = "N",
      defaultValue = "" + DEFAULT_WORKERS,
      description = "Files downloaded at once (default: ${DEFAULT-VALUE}).")
  int workers;

  @Option(names = "--verbose", description = "Show stack traces.")
  boolean verbose;

  @Spec CommandSpec spec;

  private final Map<String, String> env;

  PullCommand() {
    this(System.getenv());
  }

  PullCommand(Map<String, String> env) {
    this.env = Map.copyOf(env);
  }

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    RepoRef.Type type = RepoRef.Type.parse(repoType);
    RepoRef ref = RepoRef.parse(type, repoId, "REPO_ID");
    if (revision != null) {
      if (repoId.contains("@")) {
        throw new BadInputException(
            "--revision: REPO_ID already names revision '" + ref.revision() + "'");
      }
      ref = RepoRef.parse(type, repoId + "@" + revision, "--revision");
    }
    if (workers < 1 || workers > 64) {
      throw new BadInputException("--max-workers: expected 1 to 64, found " + workers);
    }
    if (HubInputs.offline(env)) {
      throw new BadInputException(
          "HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE) is set: pulling needs the Hub; unset it");
    }
    Selection selection =
        !include.isEmpty()
            ? Selection.globs(include)
            : type == RepoRef.Type.MODEL ? Selection.model() : Selection.dataset();
    HubAccess access = HubAccess.fromEnvironment(env);
    HubCache cache = HubCache.fromEnvironment(env, Path.of(System.getProperty("user.home")));
    err.println(
        "Hub: "
            + access.base()
            + "; token: "
            + (access.token().isPresent() ? "found (" + access.tokenSource() + ")" : "none")
            + "; cache: "
            + cache.root()
            + "; files: "
            + selection.description());
    err.flush();
    HubHttp http = new HubHttp(access, Backoff.standard(), err::println);
    Snapshot s = new Pull(http, cache, Progress.console(err), workers).pull(ref, selection);
    err.printf(
        "%s is commit %s: %d file%s in %s%n",
        ref.label(), s.commit(), s.files().size(), s.files().size() == 1 ? "" : "s", s.directory());
    err.flush();
    PrintWriter out = spec.commandLine().getOut();
    out.println(s.directory());
    out.flush();
    return Main.OK;
  }
}
