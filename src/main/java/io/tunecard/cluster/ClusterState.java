package io.tunecard.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a running local cluster is, kept in {@code DIR/cluster.json} so that another tunecard
 * process ({@code cluster stop}, {@code cluster status}) finds it: the REST port, the processes and
 * the TaskManagers' classpath. Each process also has a {@code DIR/<id>.pid} file for people and
 * scripts.
 */
record ClusterState(int restPort, FlinkProcess jobManager, List<FlinkProcess> taskManagers) {
  static final String FILE = "cluster.json";
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  ClusterState {
    taskManagers = List.copyOf(taskManagers);
  }

  List<FlinkProcess> processes() {
    List<FlinkProcess> all = new ArrayList<>(taskManagers);
    if (jobManager != null) {
      all.add(jobManager);
    }
    return all;
  }

  void write(Path dir) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put("rest_address", "localhost:" + restPort);
    root.put("rest_port", restPort);
    if (jobManager != null) {
      root.set("jobmanager", node(jobManager));
    }
    ArrayNode tms = root.putArray("taskmanagers");
    taskManagers.forEach(tm -> tms.add(node(tm)));
    AtomicFiles.writeString(dir.resolve(FILE), JSON.writeValueAsString(root) + "\n");
    try (var old = Files.newDirectoryStream(dir, "*.pid")) {
      for (Path p : old) {
        Files.delete(p);
      }
    }
    for (FlinkProcess p : processes()) {
      AtomicFiles.writeString(dir.resolve(p.id() + ".pid"), p.pid() + "\n");
    }
  }

  static Optional<ClusterState> read(Path dir) throws IOException {
    Path file = dir.resolve(FILE);
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    JsonNode root = JSON.readTree(file.toFile());
    List<FlinkProcess> tms = new ArrayList<>();
    root.path("taskmanagers").forEach(n -> tms.add(process(n)));
    FlinkProcess jm = root.has("jobmanager") ? process(root.path("jobmanager")) : null;
    return Optional.of(new ClusterState(root.path("rest_port").asInt(), jm, tms));
  }

  static void delete(Path dir) throws IOException {
    Files.deleteIfExists(dir.resolve(FILE));
    try (var pids = Files.newDirectoryStream(dir, "*.pid")) {
      for (Path p : pids) {
        Files.delete(p);
      }
    }
  }

  private static ObjectNode node(FlinkProcess p) {
    ObjectNode n = JSON.createObjectNode();
    n.put("id", p.id());
    n.put("pid", p.pid());
    n.put("log", p.log().toString());
    n.put("rpc_port", p.rpcPort());
    n.put("data_port", p.dataPort());
    return n;
  }

  private static FlinkProcess process(JsonNode n) {
    return new FlinkProcess(
        n.path("id").asText(),
        n.path("pid").asLong(),
        Path.of(n.path("log").asText()),
        n.path("rpc_port").asInt(),
        n.path("data_port").asInt());
  }
}
