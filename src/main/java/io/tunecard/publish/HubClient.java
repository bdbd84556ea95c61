package io.tunecard.publish;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.Jsonl;
import io.tunecard.hub.Backoff;
import io.tunecard.hub.HubAccess;
import io.tunecard.hub.HubException;
import io.tunecard.hub.HubHttp;
import io.tunecard.hub.HubRepos;
import io.tunecard.hub.RepoRef;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The Hugging Face Hub HTTP API that publishing needs — whoami, create repo, revision, tree,
 * preupload, commit and the README — with the Hub's JSON key names verbatim. Only this class,
 * {@link LfsTransfer} (the Git LFS batch, upload and verify calls) and {@link CommitPayload} (the
 * NDJSON commit lines) know the Hub's wire format. Model repositories on branch {@code main} only.
 */
public final class HubClient {
  static final String REVISION = "main";
  private static final int PREUPLOAD_CHUNK = 256;

  private final HubHttp http;

  public HubClient(HubAccess access, Backoff backoff, Consumer<String> notes) {
    this.http = new HubHttp(access, backoff, notes);
  }

  HubHttp http() {
    return http;
  }

  public HubAccess access() {
    return http.access();
  }

  /** The account behind the token; {@code role} is "write", "read", "fineGrained" or null. */
  public record Account(String name, String role) {}

  /** A file of the remote tree; {@code lfsSha256} is null for a regular file. */
  public record RemoteFile(String path, long size, String gitOid, String lfsSha256) {}

  /** What preupload decided for one path. */
  public record Preupload(UploadModes.Mode mode, boolean shouldIgnore) {}

  /** The result of a commit. */
  public record Commit(String oid, String url) {}

  static String writeDenied(String repoId) {
    return "the token is invalid or lacks write access to " + repoId;
  }

  private String api(String path) {
    return http.access().base() + "/api/" + path;
  }

  private HttpRequest.Builder request(String url) {
    return HttpRequest.newBuilder(URI.create(url)).timeout(http.backoff().attemptTimeout());
  }

  private static HttpRequest.BodyPublisher json(JsonNode body) {
    return HttpRequest.BodyPublishers.ofString(Jsonl.write(body), StandardCharsets.UTF_8);
  }

  /** {@code GET /api/whoami-v2}, before writing to {@code repoId}. */
  public Account whoami(String repoId) {
    var reply =
        http.send(
            "whoami", writeDenied(repoId), request(api("whoami-v2")).GET().build(), true, Set.of());
    JsonNode body = reply.json("whoami");
    JsonNode role = body.path("auth").path("accessToken").path("role");
    return new Account(body.path("name").asText(""), role.isTextual() ? role.asText() : null);
  }

  /** {@code POST /api/repos/create}; an existing repository (409) is fine. */
  public void createRepo(String repoId, boolean privateRepo) {
    String[] parts = repoId.split("/", 2);
    ObjectNode body = Jsonl.MAPPER.createObjectNode();
    body.put("name", parts[1]);
    body.put("organization", parts[0]);
    body.put("private", privateRepo);
    body.put("type", "model");
    http.send(
        "create repository " + repoId,
        writeDenied(repoId),
        request(api("repos/create"))
            .header("Content-Type", "application/json")
            .POST(json(body))
            .build(),
        true,
        Set.of(409));
  }

  /** The head commit of {@code main}, or empty when the repository does not exist. */
  public Optional<String> headCommit(String repoId) {
    var reply =
        http.send(
            "read the head of " + repoId,
            "the token is invalid or cannot read " + repoId,
            request(api("models/" + repoId + "/revision/" + REVISION)).GET().build(),
            true,
            Set.of(404));
    if (reply.status() == 404) {
      return Optional.empty();
    }
    String sha = reply.json("revision").path("sha").asText("");
    if (!sha.matches("[0-9a-f]{40}")) {
      throw new HubException("read the head of " + repoId + ": no commit sha in the answer", 200);
    }
    return Optional.of(sha);
  }

  /** Every file on {@code main} (following the {@code Link: rel="next"} pages), by path. */
  public Map<String, RemoteFile> tree(String repoId) {
    Map<String, RemoteFile> files = new LinkedHashMap<>();
    new HubRepos(http)
        .treeIfExists(new RepoRef(RepoRef.Type.MODEL, repoId, REVISION), REVISION)
        .orElse(List.of())
        .forEach(
            f ->
                files.put(f.path(), new RemoteFile(f.path(), f.size(), f.gitOid(), f.lfsSha256())));
    return files;
  }

  /** {@code POST /api/models/{repo}/preupload/main}, 256 files a call. */
  public Map<String, Preupload> preupload(String repoId, List<LocalFile> files) {
    Map<String, Preupload> out = new LinkedHashMap<>();
    for (int from = 0; from < files.size(); from += PREUPLOAD_CHUNK) {
      ObjectNode body = Jsonl.MAPPER.createObjectNode();
      ArrayNode list = body.putArray("files");
      for (LocalFile f : files.subList(from, Math.min(files.size(), from + PREUPLOAD_CHUNK))) {
        ObjectNode o = list.addObject();
        o.put("path", f.pathInRepo());
        o.put("sample", Base64.getEncoder().encodeToString(f.sample()));
        o.put("size", f.size());
        o.put("sha", f.sha256());
      }
      var reply =
          http.send(
              "preupload to " + repoId,
              writeDenied(repoId),
              request(api("models/" + repoId + "/preupload/" + REVISION))
                  .header("Content-Type", "application/json")
                  .POST(json(body))
                  .build(),
              true,
              Set.of());
      for (JsonNode f : reply.json("preupload").path("files")) {
        String mode = f.path("uploadMode").asText();
        if (!mode.equals("lfs") && !mode.equals("regular")) {
          throw new HubException(
              "preupload to " + repoId + ": unknown uploadMode '" + mode + "'", reply.status());
        }
        out.put(
            f.path("path").asText(),
            new Preupload(
                mode.equals("lfs") ? UploadModes.Mode.LFS : UploadModes.Mode.REGULAR,
                f.path("shouldIgnore").asBoolean(false)));
      }
    }
    for (LocalFile f : files) {
      if (!out.containsKey(f.pathInRepo())) {
        throw new HubException("preupload to " + repoId + ": no answer for " + f.pathInRepo(), 200);
      }
    }
    return out;
  }

  /**
   * {@code POST /api/models/{repo}/commit/main} with an NDJSON body from {@link CommitPayload}. A
   * moved branch (the {@code parentCommit} is no longer the head) is answered 409 or 412, which
   * surfaces as a {@link HubException} with that status.
   */
  public Commit commit(String repoId, byte[] ndjson) {
    var reply =
        http.send(
            "commit to " + repoId,
            writeDenied(repoId),
            request(api("models/" + repoId + "/commit/" + REVISION))
                .timeout(http.backoff().attemptTimeout().multipliedBy(5))
                .header("Content-Type", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofByteArray(ndjson))
                .build(),
            true,
            Set.of());
    JsonNode body = reply.json("commit");
    String oid = body.path("commitOid").asText("");
    if (oid.isEmpty()) {
      throw new HubException("commit to " + repoId + ": no commitOid in the answer", 200);
    }
    String url = body.path("commitUrl").asText(commitUrl(repoId, oid));
    return new Commit(oid, url);
  }

  String commitUrl(String repoId, String oid) {
    return http.access().base() + "/" + repoId + "/commit/" + oid;
  }

  /**
   * The README.md on {@code main} ({@code GET /{repo}/resolve/main/README.md}), or empty when the
   * repository or the file does not exist. One redirect is followed, without the token when it
   * leaves the endpoint.
   */
  public Optional<String> readme(String repoId) {
    String url = http.access().base() + "/" + repoId + "/resolve/" + REVISION + "/README.md";
    for (int hop = 0; hop < 3; hop++) {
      var reply =
          http.send(
              "read the published card of " + repoId,
              "the token is invalid or cannot read " + repoId,
              request(url).GET().build(),
              true,
              Set.of(301, 302, 303, 307, 308, 404));
      if (reply.status() == 404) {
        return Optional.empty();
      }
      if (reply.status() / 100 == 3) {
        String location = reply.headers().firstValue("Location").orElse("");
        url = URI.create(url).resolve(location).toString();
        continue;
      }
      return Optional.of(reply.text());
    }
    throw new HubException("read the published card of " + repoId + ": too many redirects", 0);
  }
}
