package io.tunecard.cluster;

import io.tunecard.files.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;

/**
 * A Flink 1.19 session cluster on this machine: one JobManager ({@code
 * StandaloneSessionClusterEntrypoint}) and TaskManagers ({@code TaskManagerRunner}), each its own
 * JVM started from tunecard's dependency jars, bound to 127.0.0.1 on free ports. Its folder holds
 * {@code conf/config.yaml}, {@code log/<id>.log}, {@code <id>.pid}, {@code cluster.json} and
 * scratch space ({@code tmp/}).
 *
 * <p>A cluster started with {@code stopWithThisJvm} (tests, benchmarks) is killed by a shutdown
 * hook if this JVM exits without {@link #close}; one started for {@code tunecard cluster start}
 * runs in its own session (setsid) and lives until {@code tunecard cluster stop}.
 */
public final class LocalFlinkCluster implements AutoCloseable {
  private static final Duration STARTUP = Duration.ofSeconds(120);
  private static final Duration GRACE = Duration.ofSeconds(15);

  private final Path dir;
  private final int slots;
  private final Configuration conf;
  private final String classpath;
  private final int restPort;
  private final boolean detached;
  private final FlinkRest rest;
  private final List<FlinkProcess> taskManagers = new ArrayList<>();
  // Processes this object launched, by id. A process found through cluster.json is recognised by
  // its command line instead, which a process just launched may not show yet.
  private final Map<String, ProcessHandle> launched = new ConcurrentHashMap<>();
  private FlinkProcess jobManager;
  private Thread hook;
  private int nextTaskManager = 1;

  private LocalFlinkCluster(
      Path dir, int slots, Map<String, String> settings, int restPort, boolean detached) {
    this.dir = dir;
    this.slots = slots;
    this.conf = FlinkConfigFile.configuration(settings);
    this.classpath = Classpath.join(Classpath.current().cluster());
    this.restPort = restPort;
    this.detached = detached;
    this.rest = new FlinkRest("localhost:" + restPort);
  }

  /**
   * Starts the cluster and returns once all its TaskManagers are registered with the JobManager.
   * Fails if a cluster started from {@code spec.dir()} still runs.
   */
  public static LocalFlinkCluster start(ClusterSpec spec, boolean stopWithThisJvm)
      throws IOException {
    return start(spec, stopWithThisJvm, Map.of());
  }

  /**
   * {@link #start(ClusterSpec, boolean)} with Flink settings added to (or replacing) the ones
   * tunecard writes, such as {@code env.java.opts.taskmanager}.
   */
  public static LocalFlinkCluster start(
      ClusterSpec spec, boolean stopWithThisJvm, Map<String, String> extraSettings)
      throws IOException {
    Path dir = spec.dir();
    Optional<LocalFlinkCluster> running = running(dir);
    if (running.isPresent()) {
      throw new IllegalStateException(
          "a Flink cluster started from "
              + dir
              + " is running (REST "
              + running.get().restAddress()
              + "); stop it first with: tunecard cluster stop --dir "
              + dir);
    }
    Files.createDirectories(dir);
    AtomicFiles.deleteTree(dir.resolve("tmp"));
    AtomicFiles.deleteTree(dir.resolve("log"));
    Files.createDirectories(dir.resolve("tmp"));
    Files.createDirectories(dir.resolve("log"));
    List<Integer> ports = FreePorts.pick(3);
    FlinkConfigFile.Ports jm = new FlinkConfigFile.Ports(ports.get(0), ports.get(1), ports.get(2));
    Map<String, String> settings = new LinkedHashMap<>(FlinkConfigFile.settings(spec, jm));
    settings.putAll(extraSettings);
    FlinkConfigFile.write(dir.resolve("conf"), settings);
    LocalFlinkCluster cluster =
        new LocalFlinkCluster(dir, spec.slots(), settings, jm.rest(), !stopWithThisJvm);
    if (stopWithThisJvm) {
      cluster.hook = new Thread(cluster::killAll, "stop-local-flink-cluster");
      Runtime.getRuntime().addShutdownHook(cluster.hook);
    }
    try {
      cluster.startJobManager(jm.rpc());
      List<FlinkProcess> started = new ArrayList<>();
      for (int i = 0; i < spec.taskManagers(); i++) {
        started.add(cluster.launchTaskManager());
      }
      cluster.awaitRegistered(started);
      return cluster;
    } catch (IOException | RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  /** The cluster started from {@code dir}, if its JobManager still runs. */
  public static Optional<LocalFlinkCluster> running(Path dir) throws IOException {
    Path abs = dir.toAbsolutePath().normalize();
    Optional<ClusterState> state = ClusterState.read(abs);
    if (state.isEmpty()) {
      return Optional.empty();
    }
    LocalFlinkCluster c = new LocalFlinkCluster(abs, 1, Map.of(), state.get().restPort(), true);
    c.jobManager = state.get().jobManager();
    c.taskManagers.addAll(state.get().taskManagers());
    if (c.jobManager == null || c.jobManager.handle(abs).isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(c);
  }

  /** {@code localhost:PORT}: what {@code --flink-master} takes. */
  public String restAddress() {
    return "localhost:" + restPort;
  }

  public FlinkRest rest() {
    return rest;
  }

  public Path dir() {
    return dir;
  }

  public FlinkProcess jobManager() {
    return jobManager;
  }

  /** The TaskManagers started and not killed or stopped (in start order). */
  public synchronized List<FlinkProcess> taskManagers() {
    return List.copyOf(taskManagers);
  }

  /** Whether the process still runs (and is the one this cluster started). */
  public boolean isAlive(FlinkProcess p) {
    return handle(p).isPresent();
  }

  /** Starts one more TaskManager (a replacement, or more capacity) and waits for it to register. */
  public FlinkProcess startTaskManager() throws IOException {
    FlinkProcess tm = launchTaskManager();
    awaitRegistered(List.of(tm));
    return tm;
  }

  /**
   * Kills a TaskManager with SIGKILL, as a crashed machine would vanish, and waits for its exit.
   */
  public void kill(FlinkProcess tm) throws IOException {
    Optional<ProcessHandle> h = handle(tm);
    h.ifPresent(ProcessHandle::destroyForcibly);
    h.ifPresent(p -> p.onExit().orTimeout(30, TimeUnit.SECONDS).join());
    synchronized (this) {
      taskManagers.remove(tm);
    }
    saveState();
  }

  /**
   * Stops every process: SIGTERM (Flink shuts down cleanly), then SIGKILL for any still running
   * after 15 s. Removes the pid files, {@code cluster.json} and scratch space; keeps the logs.
   */
  public void stop() throws IOException {
    List<ProcessHandle> handles = new ArrayList<>();
    for (FlinkProcess p : processes()) {
      handle(p).ifPresent(handles::add);
    }
    handles.forEach(ProcessHandle::destroy);
    long deadline = System.nanoTime() + GRACE.toNanos();
    for (ProcessHandle h : handles) {
      long left = Math.max(0, deadline - System.nanoTime());
      try {
        h.onExit().get(left, TimeUnit.NANOSECONDS);
      } catch (Exception e) {
        h.destroyForcibly();
        h.onExit().orTimeout(30, TimeUnit.SECONDS).exceptionally(x -> null).join();
      }
    }
    synchronized (this) {
      taskManagers.clear();
      jobManager = null;
    }
    ClusterState.delete(dir);
    AtomicFiles.deleteTree(dir.resolve("tmp"));
    if (hook != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // Already shutting down: the hook is running or has run.
      }
      hook = null;
    }
  }

  @Override
  public void close() throws IOException {
    stop();
  }

  private Optional<ProcessHandle> handle(FlinkProcess p) {
    ProcessHandle h = launched.get(p.id());
    if (h != null) {
      return h.pid() == p.pid() && h.isAlive() ? Optional.of(h) : Optional.empty();
    }
    return p.handle(dir);
  }

  private Path confDir() {
    return dir.resolve("conf");
  }

  private synchronized List<FlinkProcess> processes() {
    List<FlinkProcess> all = new ArrayList<>(taskManagers);
    if (jobManager != null) {
      all.add(jobManager);
    }
    return all;
  }

  /** The shutdown hook: no grace, the JVM is going away. */
  private void killAll() {
    for (FlinkProcess p : processes()) {
      handle(p).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  private void startJobManager(int rpcPort) throws IOException {
    Path log = dir.resolve("log").resolve("jobmanager.log");
    Process p = launch(JvmCommand.jobManager(conf, confDir(), log, classpath), log, Map.of());
    jobManager = new FlinkProcess("jobmanager", p.pid(), log, rpcPort, 0);
    launched.put(jobManager.id(), p.toHandle());
    saveState();
    await(
        "the JobManager's REST API at " + restAddress(),
        List.of(jobManager),
        () -> {
          try {
            rest.overview();
            return true;
          } catch (IOException e) {
            return false;
          }
        });
  }

  private FlinkProcess launchTaskManager() throws IOException {
    List<Integer> ports = FreePorts.pick(2);
    String id;
    synchronized (this) {
      id = "tm-" + nextTaskManager++;
    }
    Path log = dir.resolve("log").resolve(id + ".log");
    if (conf.keySet().isEmpty()) {
      throw new IllegalStateException(
          "a cluster found through its folder can be stopped or inspected, not extended");
    }
    List<String> cmd =
        JvmCommand.taskManager(
            conf, confDir(), log, classpath, id, ports.get(0), ports.get(1), slots);
    Process p = launch(cmd, log, JvmCommand.taskManagerEnvironment(slots));
    FlinkProcess tm = new FlinkProcess(id, p.pid(), log, ports.get(0), ports.get(1));
    launched.put(id, p.toHandle());
    synchronized (this) {
      taskManagers.add(tm);
    }
    saveState();
    return tm;
  }

  /**
   * Waits until the JobManager lists {@code tms} and counts the slots of every live TaskManager: a
   * TaskManager can be listed before its slots count, and a job asking for them then is refused.
   */
  private void awaitRegistered(List<FlinkProcess> tms) throws IOException {
    List<FlinkProcess> watched = new ArrayList<>(tms);
    watched.add(jobManager);
    await(
        tms.size() + " TaskManager(s) registering with the JobManager",
        watched,
        () -> {
          try {
            Set<String> ids = rest.taskManagerIds();
            return tms.stream().allMatch(tm -> ids.contains(tm.id()))
                && rest.overview().slotsTotal() >= taskManagers().size() * slots;
          } catch (IOException e) {
            return false;
          }
        });
  }

  private interface Check {
    boolean done();
  }

  /** Polls {@code check} until it holds; fails early, with the log's end, if a process dies. */
  private void await(String what, List<FlinkProcess> watched, Check check) throws IOException {
    long deadline = System.nanoTime() + STARTUP.toNanos();
    while (!check.done()) {
      for (FlinkProcess p : watched) {
        if (!isAlive(p)) {
          throw new IOException(
              p.id()
                  + " exited while waiting for "
                  + what
                  + "; its log "
                  + p.log()
                  + " ends:\n"
                  + tail(p.log(), 25));
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IOException(
            "timed out after "
                + STARTUP.toSeconds()
                + " s waiting for "
                + what
                + "; logs in "
                + dir.resolve("log"));
      }
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for " + what, e);
      }
    }
  }

  private Process launch(List<String> command, Path log, Map<String, String> env)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    // A cluster that outlives this command gets its own session, so that a terminal's Ctrl-C or
    // hang-up aimed at a later command does not reach it.
    Path setsid = Path.of("/usr/bin/setsid");
    if (detached && Files.isExecutable(setsid)) {
      cmd.add(setsid.toString());
    }
    cmd.addAll(command);
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().putAll(env);
    Process p = pb.start();
    p.getOutputStream().close();
    return p;
  }

  private void saveState() {
    try {
      new ClusterState(restPort, jobManager, taskManagers()).write(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + dir.resolve(ClusterState.FILE), e);
    }
  }

  static String tail(Path log, int lines) {
    try {
      List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e.getMessage() + ")";
    }
  }
}
