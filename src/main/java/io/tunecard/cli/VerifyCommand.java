package io.tunecard.cli;

import io.tunecard.files.BadInputException;
import io.tunecard.rundir.ManifestFile;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.rundir.RunDirectoryLock;
import io.tunecard.rundir.RunVerification;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tunecard verify}: checks a run directory against its manifest.json. */
@Command(
    name = "verify",
    mixinStandardHelpOptions = true,
    description = {
      "Check a run directory against its manifest.json: every file each finished stage recorded"
          + " (size and sha256), the dataset's rows and sha256 per split, the best adapter's"
          + " sha256 and, after a publish, that the Hub commit's adapter is the one on disk.",
      "Exit codes: 0 everything matches, 1 something does not (each difference is printed),"
          + " 2 bad input (no run directory, no or unreadable manifest.json)."
    })
final class VerifyCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "RUN_DIR", description = "The run directory.")
  Path runDir;

  @Option(names = "--verbose", description = "Show stack traces.")
  boolean verbose;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    RunDirectory run = new RunDirectory(runDir);
    if (!Files.isDirectory(run.root())) {
      throw new BadInputException(runDir + ": no such run directory");
    }
    if (!Files.isRegularFile(run.manifest())) {
      throw new BadInputException(
          run.manifest() + ": not found; is " + runDir + " a run directory?");
    }
    ManifestFile manifest = ManifestFile.read(run.manifest());
    PrintWriter out = spec.commandLine().getOut();
    Optional<RunDirectoryLock.Holder> writer = RunDirectoryLock.holder(run);
    if (writer.isPresent()) {
      RunDirectoryLock.Holder h = writer.get();
      out.printf(
          "%s is being written by tunecard %s (pid %d on host %s); verify it once that ends%n",
          run.root(), h.command(), h.pid(), h.host());
      out.flush();
      return Main.FAILURE;
    }
    List<RunVerification.Finding> findings = RunVerification.check(run, manifest);
    out.println("verify " + run.root());
    int problems = 0;
    for (RunVerification.Finding f : findings) {
      if (f.ok()) {
        out.printf(Locale.ROOT, "  %-9s ok (%s)%n", f.subject(), f.summary());
      } else {
        out.printf(Locale.ROOT, "  %-9s DIFFERS%n", f.subject());
        for (String p : f.problems()) {
          out.println("            " + p);
        }
        problems += f.problems().size();
      }
    }
    if (findings.isEmpty()) {
      out.println("  manifest.json records no finished stage");
    }
    out.println(
        problems == 0
            ? "verified: the run directory matches manifest.json"
            : "verified: " + problems + " difference(s) from manifest.json");
    out.flush();
    return problems == 0 ? Main.OK : Main.FAILURE;
  }
}
