package io.tunecard.cli;

import io.tunecard.hub.HubInputs;
import io.tunecard.model.ModelLocator;
import io.tunecard.rundir.Manifest;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.workflow.Workflow;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Option;

/**
 * Whether a command may pull what it needs from the Hub, and the environment it reads (the cache,
 * the endpoint, the token); shared by the commands that load models or data.
 */
public final class HubOptions {
  @Option(
      names = "--offline",
      description =
          "Pull nothing from the Hub (as HF_HUB_OFFLINE=1 does): a model or data set missing from"
              + " the Hugging Face cache is an error.")
  boolean offline;

  private final Map<String, String> env;

  public HubOptions() {
    this(System.getenv());
  }

  HubOptions(Map<String, String> env) {
    this.env = Map.copyOf(env);
  }

  private static Path home() {
    return Path.of(System.getProperty("user.home"));
  }

  HubInputs inputs(PrintWriter err) {
    return new HubInputs(env, home(), offline, err, PullCommand.DEFAULT_WORKERS);
  }

  /** Looks the workflow's repositories up in the cache, pulling the missing ones (not offline). */
  List<HubInputs.Source> fetch(Workflow w, Set<HubInputs.Need> needs, PrintWriter err) {
    return inputs(err).forWorkflow(w, needs);
  }

  /** Finds models in the cache this command's environment names. */
  ModelLocator locator() {
    return new ModelLocator(env, home());
  }

  /** Records what was used in the run's {@code manifest.json}. */
  static void record(RunDirectory run, List<HubInputs.Source> sources) {
    if (!sources.isEmpty()) {
      new Manifest(run).recordHub(HubInputs.entries(sources));
    }
  }
}
