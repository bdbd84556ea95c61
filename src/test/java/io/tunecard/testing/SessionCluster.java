package io.tunecard.testing;

import io.tunecard.cluster.ClusterSpec;
import io.tunecard.cluster.FlinkRest;
import io.tunecard.cluster.LocalFlinkCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One Flink session cluster of separate JVMs (a JobManager and two one-slot TaskManagers) for every
 * cluster check of the test JVM: started by the first test that asks for it, kept in the root
 * {@link ExtensionContext} store and stopped when all tests have run (a shutdown hook kills it if
 * the JVM exits first). Starting a cluster costs tens of seconds on two cores; one is enough,
 * because each check reads only its own jobs ({@link #jobsSince}).
 *
 * <p>Before each test the cluster has two live TaskManagers again: a check that killed one (the
 * failover checks) gets a replacement started for the next. A test method or constructor takes the
 * cluster as a {@link LocalFlinkCluster} parameter.
 *
 * <p>The TaskManagers run with {@code -Dtunecard.fault.holdGeneration=<}{@link #holdToken}{@code
 * >}: inert until a check creates that file, then the first TaskManager to reach its second batch
 * of answers holds its generation until it is killed (io.tunecard.evaluate.FaultInjection).
 */
public final class SessionCluster implements BeforeEachCallback, ParameterResolver {
  public static final int TASK_MANAGERS = 2;

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(SessionCluster.class);

  /** The store's value: closing it (at the end of the root context) stops the cluster. */
  private record Shared(LocalFlinkCluster cluster) implements AutoCloseable {
    @Override
    public void close() throws IOException {
      cluster.close();
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) throws IOException {
    LocalFlinkCluster cluster = cluster(context);
    while (cluster.taskManagers().size() < TASK_MANAGERS) {
      cluster.startTaskManager();
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == LocalFlinkCluster.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return cluster(context);
  }

  /** The file whose existence arms the TaskManagers' generation hold. */
  public static Path holdToken(LocalFlinkCluster cluster) {
    return cluster.dir().resolve("hold-generation");
  }

  /** The jobs submitted to the cluster since {@code startMillis} (epoch ms), oldest first. */
  public static List<FlinkRest.Job> jobsSince(LocalFlinkCluster cluster, long startMillis)
      throws IOException {
    return cluster.rest().jobs().stream()
        .filter(j -> j.startTime() >= startMillis)
        .sorted((a, b) -> Long.compare(a.startTime(), b.startTime()))
        .toList();
  }

  private static LocalFlinkCluster cluster(ExtensionContext context) {
    return context
        .getRoot()
        .getStore(NAMESPACE)
        .getOrComputeIfAbsent(Shared.class, k -> start(), Shared.class)
        .cluster();
  }

  private static Shared start() {
    // A folder of this JVM's own under target/, kept afterwards for its logs.
    Path dir = Path.of("target", "cluster-checks", "flink-" + ProcessHandle.current().pid());
    try {
      Files.createDirectories(dir);
      long start = System.nanoTime();
      ClusterSpec spec = ClusterSpec.of(TASK_MANAGERS, 1, dir);
      LocalFlinkCluster cluster =
          LocalFlinkCluster.start(
              spec,
              true,
              Map.of(
                  "env.java.opts.taskmanager",
                  "-Dtunecard.fault.holdGeneration=" + spec.dir().resolve("hold-generation")));
      System.out.printf(
          Locale.ROOT,
          "SessionCluster: %d TaskManagers at %s in %.1f s; logs in %s%n",
          TASK_MANAGERS,
          cluster.restAddress(),
          (System.nanoTime() - start) / 1e9,
          spec.dir().resolve("log"));
      return new Shared(cluster);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the session cluster in " + dir, e);
    }
  }
}
