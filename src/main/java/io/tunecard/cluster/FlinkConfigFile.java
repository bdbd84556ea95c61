package io.tunecard.cluster;

import io.tunecard.files.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;

/**
 * The {@code config.yaml} of a local session cluster. Flink 1.19 reads {@code config.yaml}
 * (standard YAML) from {@code --configDir} and falls back to the legacy {@code flink-conf.yaml}
 * only when that one exists, so the folder holds {@code config.yaml} alone. Every process of the
 * cluster reads the same file; what differs per TaskManager (its ports, its id) is passed as {@code
 * -D}.
 */
final class FlinkConfigFile {
  static final String FILE = GlobalConfiguration.FLINK_CONF_FILENAME;
  static final String LOOPBACK = "127.0.0.1";

  /** The JobManager's ports: REST (the address jobs are submitted to), RPC and blob server. */
  record Ports(int rest, int rpc, int blob) {}

  private FlinkConfigFile() {}

  /** The settings, in the order they are written. */
  static Map<String, String> settings(ClusterSpec spec, Ports ports) {
    Map<String, String> s = new LinkedHashMap<>();
    // Loopback only: nothing of the cluster is reachable from another machine.
    s.put("jobmanager.rpc.address", LOOPBACK);
    s.put("jobmanager.bind-host", LOOPBACK);
    s.put("jobmanager.rpc.port", String.valueOf(ports.rpc()));
    s.put("rest.address", LOOPBACK);
    s.put("rest.bind-address", LOOPBACK);
    s.put("rest.port", String.valueOf(ports.rest()));
    s.put("blob.server.port", String.valueOf(ports.blob()));
    s.put("taskmanager.host", LOOPBACK);
    s.put("taskmanager.bind-host", LOOPBACK);
    s.put("jobmanager.memory.process.size", spec.jobManagerMemory());
    // A TaskManager started without Flink's scripts must have every memory pool and its CPU share
    // fixed; LocalFlinkCluster derives the pools from these sizes as Flink's scripts do.
    s.put("taskmanager.memory.process.size", spec.taskManagerMemory());
    s.put("taskmanager.memory.task.off-heap.size", "256m");
    s.put("taskmanager.memory.managed.fraction", "0.2");
    s.put("taskmanager.memory.jvm-metaspace.size", "192m");
    s.put("taskmanager.numberOfTaskSlots", String.valueOf(spec.slots()));
    s.put("taskmanager.cpu.cores", String.valueOf(spec.slots()));
    // Every blocking exchange is a sort-shuffle result partition, which reserves
    // sort-shuffle.min-buffers network buffers (Flink's default: 512 x 32 KB = 16 MB) while its
    // task runs. A whole tunecard run is one job of many tasks, several of them running at once in
    // a slot (slot sharing), and a 1536m TaskManager has about 3,700 buffers: the default leaves
    // it short ("Insufficient number of network buffers"). tunecard's exchanges carry little data.
    s.put("taskmanager.network.sort-shuffle.min-buffers", "64");
    s.put("parallelism.default", String.valueOf(spec.taskManagers() * spec.slots()));
    // A lost TaskManager fails the tasks it ran; region failover restarts only the pipelined
    // regions that lost a task or an input (tunecard submits with all exchanges blocking, so a
    // region is one task's work), a bounded number of times.
    s.put("restart-strategy.type", "fixed-delay");
    s.put("restart-strategy.fixed-delay.attempts", "10");
    s.put("restart-strategy.fixed-delay.delay", "2 s");
    s.put("jobmanager.execution.failover-strategy", "region");
    // A SIGKILLed TaskManager is declared lost within seconds (Flink's default is 50 s).
    s.put("heartbeat.interval", "1000");
    s.put("heartbeat.timeout", "8000");
    s.put("cluster.registration.error-delay", "1000");
    s.put("io.tmp.dirs", spec.dir().resolve("tmp").toString());
    s.put("web.tmpdir", spec.dir().resolve("tmp").resolve("web").toString());
    return s;
  }

  static Configuration configuration(Map<String, String> settings) {
    return Configuration.fromMap(settings);
  }

  static void write(Path confDir, Map<String, String> settings) throws IOException {
    StringBuilder yaml = new StringBuilder();
    yaml.append("# Written by `tunecard cluster start`; rewritten at every start.\n");
    settings.forEach((k, v) -> yaml.append(k).append(": ").append(scalar(v)).append('\n'));
    AtomicFiles.writeString(confDir.resolve(FILE), yaml.toString());
  }

  /** A YAML scalar: plain when it cannot be misread, single-quoted otherwise. */
  static String scalar(String v) {
    if (v.matches("[A-Za-z0-9_./\\- ]+") && !v.startsWith(" ") && !v.endsWith(" ")) {
      return v;
    }
    return "'" + v.replace("'", "''") + "'";
  }
}
