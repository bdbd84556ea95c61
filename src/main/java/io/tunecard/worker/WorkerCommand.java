package io.tunecard.worker;

import java.io.File;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * How a worker child is started: the command line is the engine's launcher followed by {@code
 * <command> <specPath>}. {@link Jvm} runs the {@code djl} engine in a fresh JVM on this JVM's class
 * path, {@link Python} runs {@code python -m tunecard_worker} for the {@code hf} engine, and {@link
 * Exec} any program that speaks the protocol.
 */
public sealed interface WorkerCommand
    permits WorkerCommand.Jvm, WorkerCommand.Python, WorkerCommand.Exec {

  /** System property (or environment variable TUNECARD_WORKER_XMX) with the djl child's -Xmx. */
  String MAX_HEAP_PROPERTY = "tunecard.worker.xmx";

  String DEFAULT_MAX_HEAP = "2g";

  /** The full command line. {@code logs} receives a JVM's crash report (hs_err_pid*.log). */
  List<String> argv(Command command, Path spec, Path logs);

  /** Variables added to the inherited environment. */
  Map<String, String> environment();

  /**
   * A JVM child running {@code mainClass} (a {@link WorkerMain} program) with this JVM's class
   * path. The child exits on OutOfMemoryError (its message on stderr), writes a crash report into
   * the run's logs instead of a core dump, and never reaches the network ({@code ai.djl.offline}).
   */
  record Jvm(String mainClass, String maxHeap, List<String> jvmOptions, Map<String, String> env)
      implements WorkerCommand {
    public Jvm {
      if (mainClass == null || mainClass.isBlank()) {
        throw new IllegalArgumentException("mainClass: expected a class name");
      }
      if (maxHeap == null || !maxHeap.matches("\\d+[kKmMgG]?")) {
        throw new IllegalArgumentException("maxHeap: expected e.g. 2g or 512m, found " + maxHeap);
      }
      jvmOptions = List.copyOf(jvmOptions);
      env = Map.copyOf(env);
    }

    @Override
    public List<String> argv(Command command, Path spec, Path logs) {
      List<String> argv = new ArrayList<>();
      argv.add(javaExecutable());
      argv.add("-Xmx" + maxHeap);
      argv.add("-Dai.djl.offline=true");
      argv.add("-Djava.awt.headless=true");
      argv.add("-XX:+ExitOnOutOfMemoryError");
      // VM messages (the OutOfMemoryError exit line) must not land on the protocol stream.
      argv.add("-XX:+DisplayVMOutputToStderr");
      argv.add("-XX:-CreateCoredumpOnCrash");
      argv.add("-XX:ErrorFile=" + logs.toAbsolutePath().resolve("hs_err_pid%p.log"));
      String home = System.getProperty("tunecard.home");
      if (home != null) {
        argv.add("-Dtunecard.home=" + home);
      }
      argv.addAll(jvmOptions);
      argv.add("-cp");
      argv.add(absoluteClassPath());
      argv.add(mainClass);
      argv.add(command.wire());
      argv.add(spec.toAbsolutePath().toString());
      return argv;
    }

    @Override
    public Map<String, String> environment() {
      return env;
    }
  }

  /**
   * The Python worker: {@code <python> -m tunecard_worker <command> <spec>}, with {@code
   * pythonPath} (the repository's {@code src/main/python}) first on PYTHONPATH and unbuffered
   * output so events arrive as they are written.
   */
  record Python(String python, Path pythonPath, Map<String, String> env) implements WorkerCommand {
    public Python {
      if (python == null || python.isBlank()) {
        throw new IllegalArgumentException("python: expected an interpreter");
      }
      pythonPath = pythonPath.toAbsolutePath().normalize();
      env = Map.copyOf(env);
    }

    @Override
    public List<String> argv(Command command, Path spec, Path logs) {
      return List.of(
          python, "-m", "tunecard_worker", command.wire(), spec.toAbsolutePath().toString());
    }

    @Override
    public Map<String, String> environment() {
      Map<String, String> all = new LinkedHashMap<>(env);
      String inherited = System.getenv("PYTHONPATH");
      all.put(
          "PYTHONPATH",
          pythonPath
              + (inherited == null || inherited.isEmpty() ? "" : File.pathSeparator + inherited));
      all.put("PYTHONUNBUFFERED", "1");
      return all;
    }
  }

  /** Any program speaking the protocol: {@code prefix..., <command>, <spec>}. */
  record Exec(List<String> prefix, Map<String, String> env) implements WorkerCommand {
    public Exec {
      prefix = List.copyOf(prefix);
      if (prefix.isEmpty()) {
        throw new IllegalArgumentException("prefix: expected the program to run");
      }
      env = Map.copyOf(env);
    }

    @Override
    public List<String> argv(Command command, Path spec, Path logs) {
      List<String> argv = new ArrayList<>(prefix);
      argv.add(command.wire());
      argv.add(spec.toAbsolutePath().toString());
      return argv;
    }

    @Override
    public Map<String, String> environment() {
      return env;
    }
  }

  /**
   * The launcher of {@code engine} ({@code train.engine} or {@code eval.engine}): djl runs {@code
   * djlMainClass}, hf runs {@code python} (the workflow's {@code train.python}).
   */
  static WorkerCommand forEngine(String engine, String djlMainClass, String python) {
    return switch (engine) {
      case "djl" -> djl(djlMainClass);
      case "hf" -> hf(python);
      default -> throw new IllegalArgumentException("engine: expected djl or hf, found " + engine);
    };
  }

  /** The djl engine: {@code mainClass} in a child JVM with the configured maximum heap. */
  static Jvm djl(String mainClass) {
    String heap = System.getProperty(MAX_HEAP_PROPERTY, System.getenv("TUNECARD_WORKER_XMX"));
    return new Jvm(
        mainClass, heap == null || heap.isBlank() ? DEFAULT_MAX_HEAP : heap, List.of(), Map.of());
  }

  /** The hf engine run by {@code python} (the workflow's {@code train.python}). */
  static Python hf(String python) {
    return new Python(python, pythonSources(), Map.of());
  }

  /**
   * The Python sources: {@code <tunecard.home>/src/main/python} (the launcher sets tunecard.home),
   * else {@code src/main/python} under the working directory.
   */
  public static Path pythonSources() {
    String home = System.getProperty("tunecard.home");
    Path base = home != null ? Path.of(home) : Path.of("");
    return base.resolve("src/main/python").toAbsolutePath().normalize();
  }

  /** The running JVM's own java launcher. */
  static String javaExecutable() {
    return ProcessHandle.current()
        .info()
        .command()
        .filter(c -> Files.isExecutable(Path.of(c)))
        .orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  /**
   * The class path tunecard runs with here, every entry absolute (the child runs in another
   * directory): the jars of the class loader that loaded tunecard when that is not the JVM's own
   * (on a Flink TaskManager, the job's jars: tunecard's classes travel with the job and are not on
   * the TaskManager's class path), then this JVM's class path.
   */
  static String absoluteClassPath() {
    Set<String> entries = new LinkedHashSet<>();
    ClassLoader system = ClassLoader.getSystemClassLoader();
    for (ClassLoader l = WorkerCommand.class.getClassLoader();
        l != null && l != system;
        l = l.getParent()) {
      if (l instanceof URLClassLoader urls) {
        for (URL url : urls.getURLs()) {
          if ("file".equals(url.getProtocol())) {
            try {
              entries.add(Path.of(url.toURI()).toAbsolutePath().normalize().toString());
            } catch (URISyntaxException | IllegalArgumentException e) {
              // Not a local file: the child cannot use it either.
            }
          }
        }
      }
    }
    Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(s -> !s.isEmpty())
        .map(s -> Path.of(s).toAbsolutePath().normalize().toString())
        .forEach(entries::add);
    return String.join(File.pathSeparator, entries);
  }
}
