package io.tunecard.publish;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** {@link FakeHub} and the publish fixture for tests outside this package (the CLI's). */
public final class FakeHubAccess implements AutoCloseable {
  private final FakeHub hub;

  private FakeHubAccess(FakeHub hub) {
    this.hub = hub;
  }

  /** Copies the fixture (run/, reports/, workflow.yaml) into {@code dir} and starts a hub. */
  public static FakeHubAccess start(Path dir, String token) throws IOException {
    Fixture.copy(dir);
    return new FakeHubAccess(new FakeHub(token));
  }

  public String endpoint() {
    return hub.endpoint();
  }

  public List<String> problems() {
    return List.copyOf(hub.problems);
  }

  public int requestCount() {
    return hub.requests.size();
  }

  public List<String> methodsAndPaths() {
    synchronized (hub.requests) {
      return hub.requests.stream().map(r -> r.method() + " " + r.path()).toList();
    }
  }

  public void seedReadme(String repoId, String text) {
    hub.seed(repoId, Map.of("README.md", text.getBytes(StandardCharsets.UTF_8)));
  }

  public int commitCount(String repoId) {
    return hub.repo(repoId).commits.size();
  }

  /** The next matching request gets {@code status} with a body that echoes the token back. */
  public void failWithEcho(String method, String pathRegex, int status) {
    hub.fail(method, pathRegex, 1, status, Map.of(), "{\"error\":\"rejected token {token}\"}");
  }

  @Override
  public void close() {
    hub.close();
  }
}
