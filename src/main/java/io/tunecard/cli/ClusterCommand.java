package io.tunecard.cli;

import io.tunecard.cluster.ClusterSpec;
import io.tunecard.cluster.FlinkProcess;
import io.tunecard.cluster.FlinkRest;
import io.tunecard.cluster.LocalFlinkCluster;
import io.tunecard.files.BadInputException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tunecard cluster start|stop|status}: a Flink session cluster on this machine. */
@Command(
    name = "cluster",
    mixinStandardHelpOptions = true,
    description =
        "Start, stop or inspect a Flink session cluster on this machine (loopback only), to run"
            + " workflows on with --flink-master. See docs/flink.md.",
    subcommands = {
      ClusterCommand.Start.class,
      ClusterCommand.Stop.class,
      ClusterCommand.Status.class
    })
final class ClusterCommand {

  /** The cluster's folder option, shared by the subcommands. */
  static final class DirOption {
    @Option(
        names = "--dir",
        paramLabel = "DIR",
        description = "The cluster's folder: config, logs, pid files (default: .tunecard/flink).")
    Path dir = ClusterSpec.DEFAULT_DIR;
  }

  @Command(
      name = "start",
      mixinStandardHelpOptions = true,
      description =
          "Start a JobManager and TaskManagers as separate JVMs; return once all TaskManagers are"
              + " registered and print the address for --flink-master.")
  static final class Start implements Callable<Integer> {
    @Option(
        names = "--task-managers",
        paramLabel = "N",
        description = "TaskManager processes (default: ${DEFAULT-VALUE}).")
    int taskManagers = 2;

    @Option(
        names = "--slots",
        paramLabel = "N",
        description = "Task slots (parallel workers) per TaskManager (default: ${DEFAULT-VALUE}).")
    int slots = 1;

    @Option(
        names = "--tm-memory",
        paramLabel = "SIZE",
        description = "Total process memory of each TaskManager (default: ${DEFAULT-VALUE}).")
    String tmMemory = ClusterSpec.DEFAULT_TM_MEMORY;

    @picocli.CommandLine.Mixin DirOption dir;
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      ClusterSpec cluster;
      try {
        cluster =
            new ClusterSpec(taskManagers, slots, tmMemory, ClusterSpec.DEFAULT_JM_MEMORY, dir.dir);
      } catch (IllegalArgumentException e) {
        throw new BadInputException(e.getMessage());
      }
      long start = System.nanoTime();
      LocalFlinkCluster c = LocalFlinkCluster.start(cluster, false);
      FlinkRest.Overview o = c.rest().overview();
      PrintWriter out = spec.commandLine().getOut();
      out.printf(
          Locale.ROOT,
          "Flink %s session cluster up in %.1f s: 1 JobManager, %d TaskManager(s) x %d slot(s)"
              + " (%s each)%n",
          o.flinkVersion(),
          (System.nanoTime() - start) / 1e9,
          o.taskManagers(),
          cluster.slots(),
          cluster.taskManagerMemory());
      out.printf("  web UI / REST  http://%s%n", c.restAddress());
      out.printf("  submit with    --flink-master %s%n", c.restAddress());
      out.printf("  logs           %s%n", c.dir().resolve("log"));
      out.printf("  stop with      tunecard cluster stop --dir %s%n", dir.dir);
      out.println(c.restAddress());
      out.flush();
      return Main.OK;
    }
  }

  @Command(
      name = "stop",
      mixinStandardHelpOptions = true,
      description = "Stop the cluster started from DIR (SIGTERM, then SIGKILL after 15 s).")
  static final class Stop implements Callable<Integer> {
    @picocli.CommandLine.Mixin DirOption dir;
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      PrintWriter out = spec.commandLine().getOut();
      Optional<LocalFlinkCluster> c = LocalFlinkCluster.running(dir.dir);
      if (c.isEmpty()) {
        out.printf("no Flink cluster runs from %s%n", dir.dir);
        return Main.OK;
      }
      StringBuilder names = new StringBuilder();
      for (FlinkProcess p : c.get().taskManagers()) {
        names.append(String.format("%s (pid %d), ", p.id(), p.pid()));
      }
      names.append(String.format("jobmanager (pid %d)", c.get().jobManager().pid()));
      c.get().stop();
      out.printf("stopped %s; logs kept in %s%n", names, c.get().dir().resolve("log"));
      return Main.OK;
    }
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = "Show the cluster started from DIR: its address, processes and jobs.")
  static final class Status implements Callable<Integer> {
    @picocli.CommandLine.Mixin DirOption dir;
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      PrintWriter out = spec.commandLine().getOut();
      Optional<LocalFlinkCluster> found = LocalFlinkCluster.running(dir.dir);
      if (found.isEmpty()) {
        out.printf("no Flink cluster runs from %s%n", dir.dir);
        return Main.FAILURE;
      }
      LocalFlinkCluster c = found.get();
      out.printf("Flink cluster at %s (folder %s)%n", c.restAddress(), c.dir());
      out.printf("  jobmanager  pid %d%n", c.jobManager().pid());
      for (FlinkProcess tm : c.taskManagers()) {
        out.printf("  %-10s  pid %d  %s%n", tm.id(), tm.pid(), c.isAlive(tm) ? "running" : "gone");
      }
      FlinkRest.Overview o = c.rest().overview();
      out.printf(
          "  registered: %d TaskManager(s), %d of %d slot(s) free, %d job(s) running%n",
          o.taskManagers(), o.slotsAvailable(), o.slotsTotal(), o.jobsRunning());
      for (FlinkRest.Job j : c.rest().jobs()) {
        out.printf("  job %s  %-9s %s%n", j.id(), j.state(), j.name());
      }
      return Main.OK;
    }
  }
}
