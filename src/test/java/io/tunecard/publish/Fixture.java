package io.tunecard.publish;

import io.tunecard.hub.Backoff;
import io.tunecard.hub.HubAccess;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.workflow.Workflow;
import io.tunecard.workflow.WorkflowLoader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * A writable copy of the test run directory and card (src/test/resources/.../fixture), and the
 * pieces a publish test needs: environment, recording sleeper, captured console.
 */
final class Fixture {
  static final String TOKEN = "hf_TuNeCaRdSeCrEt0123456789abcdefXYZ";
  static final String REPO = "tunecard-test/quickstart-lora";
  static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

  final Path root;
  final Path run;
  final Path reports;
  final Path workflowFile;
  final List<Duration> waits = new ArrayList<>();
  final StringWriter console = new StringWriter();

  private Fixture(Path root) {
    this.root = root;
    this.run = root.resolve("run");
    this.reports = root.resolve("reports");
    this.workflowFile = root.resolve("workflow.yaml");
  }

  static Fixture copy(Path tmp) throws IOException {
    Path src;
    try {
      src = Path.of(Fixture.class.getResource("/io/tunecard/publish/fixture").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    try (Stream<Path> walk = Files.walk(src)) {
      for (Path p : walk.toList()) {
        Path to = tmp.resolve(src.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(to);
        } else {
          Files.copy(p, to, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
    return new Fixture(tmp);
  }

  /** Replaces the workflow's publish section (YAML lines, indented two spaces) and loads it. */
  Workflow workflow(String publishSection) throws IOException {
    String text = Files.readString(workflowFile);
    text = text.substring(0, text.indexOf("publish:\n")) + "publish:\n" + publishSection;
    Files.writeString(workflowFile, text);
    return workflow();
  }

  Workflow workflow() {
    return WorkflowLoader.load(workflowFile, List.of()).workflow();
  }

  Map<String, String> env(FakeHub hub, boolean withToken) {
    Map<String, String> env = new HashMap<>();
    env.put("HF_ENDPOINT", hub.endpoint());
    env.put("HOME", root.resolve("home").toString());
    if (withToken) {
      env.put("HF_TOKEN", TOKEN);
    }
    return env;
  }

  /** How long one call may take in these tests; the timeout test shortens it. */
  Duration attemptTimeout = Duration.ofSeconds(30);

  Backoff backoff() {
    return new Backoff(
        5,
        Duration.ofSeconds(1),
        Duration.ofSeconds(60),
        Duration.ofMinutes(5),
        attemptTimeout,
        Clock.fixed(NOW, ZoneOffset.UTC),
        waits::add,
        new Random(42));
  }

  Publisher publisher(FakeHub hub, boolean withToken) {
    return new Publisher(
        HubAccess.fromEnvironment(env(hub, withToken)), backoff(), new PrintWriter(console, true));
  }

  PublishResult publish(FakeHub hub, Workflow w, boolean dryRun) {
    return publisher(hub, true)
        .publish(new Publisher.Request(new RunDirectory(run), reports, w, REPO, dryRun));
  }

  byte[] bytes(String relative) throws IOException {
    return Files.readAllBytes(root.resolve(relative));
  }
}
