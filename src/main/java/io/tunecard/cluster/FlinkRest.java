package io.tunecard.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The few calls of Flink's REST API that tunecard needs: the cluster overview (registered
 * TaskManagers and slots), the jobs, a job's tasks and the failures it recovered from. The REST API
 * is the address users pass as {@code --flink-master}.
 */
public final class FlinkRest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String hostPort;
  private final HttpClient http;

  /** {@code host:port} of the JobManager's REST endpoint (an {@code http://} prefix is allowed). */
  public FlinkRest(String hostPort) {
    this.hostPort = hostPort.replaceFirst("^https?://", "").replaceAll("/+$", "");
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
  }

  public String hostPort() {
    return hostPort;
  }

  /** What {@code /overview} reports. */
  public record Overview(
      int taskManagers, int slotsTotal, int slotsAvailable, int jobsRunning, String flinkVersion) {}

  /** A job as {@code /jobs/overview} lists it. */
  public record Job(String id, String name, String state, long startTime, long durationMs) {}

  /**
   * A job's task (a chain of operators) and its state; {@code startTime} and {@code endTime} are
   * milliseconds since the epoch from its first subtask's start to its last one's end (-1 while
   * unknown), so {@code endTime - startTime} is the task's span over all its subtasks.
   */
  public record Task(
      String id, String name, int parallelism, String status, long startTime, long endTime) {}

  public Overview overview() throws IOException {
    JsonNode n = get("/overview");
    return new Overview(
        n.path("taskmanagers").asInt(),
        n.path("slots-total").asInt(),
        n.path("slots-available").asInt(),
        n.path("jobs-running").asInt(),
        n.path("flink-version").asText());
  }

  /** The resource ids of the registered TaskManagers ({@code tm-N} for a local cluster). */
  public Set<String> taskManagerIds() throws IOException {
    Set<String> ids = new HashSet<>();
    for (JsonNode tm : get("/taskmanagers").path("taskmanagers")) {
      ids.add(tm.path("id").asText());
    }
    return ids;
  }

  public List<Job> jobs() throws IOException {
    List<Job> jobs = new ArrayList<>();
    for (JsonNode j : get("/jobs/overview").path("jobs")) {
      jobs.add(
          new Job(
              j.path("jid").asText(),
              j.path("name").asText(),
              j.path("state").asText(),
              j.path("start-time").asLong(),
              j.path("duration").asLong()));
    }
    return jobs;
  }

  public List<Task> tasks(String jobId) throws IOException {
    List<Task> tasks = new ArrayList<>();
    for (JsonNode v : get("/jobs/" + jobId).path("vertices")) {
      tasks.add(
          new Task(
              v.path("id").asText(),
              v.path("name").asText(),
              v.path("parallelism").asInt(),
              v.path("status").asText(),
              v.path("start-time").asLong(-1),
              v.path("end-time").asLong(-1)));
    }
    return tasks;
  }

  /**
   * How long each subtask of a job's task ran, in milliseconds, by subtask index (-1 for one that
   * has not run yet): the parallel workers' shares of the task.
   */
  public List<Long> subtaskDurations(String jobId, String taskId) throws IOException {
    List<Long> durations = new ArrayList<>();
    for (JsonNode st : get("/jobs/" + jobId + "/vertices/" + taskId).path("subtasks")) {
      durations.add(st.path("duration").asLong(-1));
    }
    return durations;
  }

  /** The TaskManagers (resource ids) that run subtasks of a job's task now. */
  public Set<String> runningOn(String jobId, String taskId) throws IOException {
    Set<String> ids = new HashSet<>();
    for (JsonNode tm :
        get("/jobs/" + jobId + "/vertices/" + taskId + "/taskmanagers").path("taskmanagers")) {
      if ("RUNNING".equals(tm.path("status").asText())) {
        ids.add(tm.path("taskmanager-id").asText());
      }
    }
    return ids;
  }

  /**
   * The failures a job recovered from or died of, oldest first, as its exception history keeps them
   * (also after the job ended): each is one failover of Flink's restart strategy.
   */
  public List<String> failures(String jobId) throws IOException {
    List<String> failures = new ArrayList<>();
    JsonNode entries =
        get("/jobs/" + jobId + "/exceptions?maxExceptions=100")
            .path("exceptionHistory")
            .path("entries");
    for (JsonNode e : entries) {
      String task = e.path("taskName").asText("(job)");
      failures.add(
          e.path("exceptionName").asText()
              + " in "
              + (task.length() > 60 ? task.substring(0, 60) + "..." : task)
              + " on "
              + e.path("location").asText(e.path("taskManagerId").asText("?")));
    }
    java.util.Collections.reverse(failures);
    return failures;
  }

  private JsonNode get(String path) throws IOException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://" + hostPort + path))
            .timeout(Duration.ofSeconds(10))
            .GET()
            .build();
    try {
      HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IOException(
            "Flink REST " + path + " at " + hostPort + " answered HTTP " + r.statusCode());
      }
      return JSON.readTree(r.body());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while asking " + hostPort + path, e);
    }
  }
}
