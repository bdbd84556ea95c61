package io.tunecard.hub;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.tunecard.files.Jsonl;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A local stand-in for the part of the Hugging Face Hub that downloads use, on loopback: the
 * revision and tree API, {@code /resolve/} answering regular files itself (with {@code ETag} and
 * {@code X-Repo-Commit}) and redirecting LFS files ({@code X-Linked-Etag}, {@code X-Linked-Size})
 * to a second server on another port that plays the storage host and honours {@code Range}. Faults
 * can be set per path: gated repositories, 429 with {@code Retry-After}, a connection dropped after
 * some bytes, corrupted bytes, a stall, a slow link. Every request is recorded, with whether it
 * carried a token; a token sent to the storage host is recorded as a problem.
 *
 * <p>{@code main(DIR, REPO_ID)} serves a folder as a model repository until killed, printing the
 * endpoint; the worker's pytest and hand checks use it.
 *
 * <p>Longer than most files: two small servers, the Hub's routes and the faults tests inject, which
 * would be harder to follow spread over several files.
 */
public final class FakeDownloadHub implements AutoCloseable {
  /** One request as a server saw it. */
  public record Req(String server, String method, String path, String range, boolean token) {}

  record Repo(String commit, Map<String, byte[]> files, String revision) {}

  private final HttpServer hub;
  private final HttpServer storage;
  private final String token;
  final Map<String, Repo> repos = new ConcurrentHashMap<>();
  final Map<String, String> gated = new ConcurrentHashMap<>();

  /** Old id to new id ({@code roberta-large} to {@code FacebookAI/roberta-large}). */
  final Map<String, String> renamed = new ConcurrentHashMap<>();

  final List<Req> requests = new CopyOnWriteArrayList<>();
  final List<String> problems = new CopyOnWriteArrayList<>();
  final Map<String, AtomicInteger> throttle = new ConcurrentHashMap<>();
  final Map<String, Integer> retryAfter = new ConcurrentHashMap<>();
  final Map<String, AtomicInteger> drops = new ConcurrentHashMap<>();
  final Map<String, AtomicInteger> corrupt = new ConcurrentHashMap<>();
  final Map<String, AtomicInteger> stalls = new ConcurrentHashMap<>();
  volatile long bytesPerSecond;

  public FakeDownloadHub(String token) throws IOException {
    this.token = token;
    InetAddress lo = InetAddress.getLoopbackAddress();
    hub = HttpServer.create(new InetSocketAddress(lo, 0), 0);
    storage = HttpServer.create(new InetSocketAddress(lo, 0), 0);
    hub.setExecutor(Executors.newCachedThreadPool(FakeDownloadHub::daemon));
    storage.setExecutor(Executors.newCachedThreadPool(FakeDownloadHub::daemon));
    hub.createContext("/", this::hub);
    storage.createContext("/", this::storage);
    hub.start();
    storage.start();
  }

  private static Thread daemon(Runnable r) {
    Thread t = new Thread(r, "fake-hub");
    t.setDaemon(true);
    return t;
  }

  public String endpoint() {
    return "http://127.0.0.1:" + hub.getAddress().getPort();
  }

  String storageBase() {
    return "http://127.0.0.1:" + storage.getAddress().getPort();
  }

  /** Adds a repository ({@code models/org/name} or {@code datasets/org/name}) at branch main. */
  public String add(String typedId, Map<String, byte[]> files) {
    MessageDigest md = sha("SHA-1");
    new TreeMap<>(files).forEach((k, v) -> md.update(sha256(v).getBytes(StandardCharsets.UTF_8)));
    String commit = HexFormat.of().formatHex(md.digest());
    repos.put(typedId, new Repo(commit, new TreeMap<>(files), "main"));
    return commit;
  }

  /** LFS: what the Hub's default .gitattributes stores in LFS, or anything of 64 kB and more. */
  static boolean lfs(String path, byte[] content) {
    return path.matches(".*\\.(safetensors|bin|parquet|h5|msgpack)") || content.length >= 65536;
  }

  static String gitOid(byte[] content) {
    MessageDigest md = sha("SHA-1");
    md.update(("blob " + content.length + "\0").getBytes(StandardCharsets.US_ASCII));
    return HexFormat.of().formatHex(md.digest(content));
  }

  public static String sha256(byte[] content) {
    return HexFormat.of().formatHex(sha("SHA-256").digest(content));
  }

  private static MessageDigest sha(String alg) {
    try {
      return MessageDigest.getInstance(alg);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static final Pattern API =
      Pattern.compile("/api/(models|datasets)/(.+)/(revision|tree)/([^/?]+)");
  private static final Pattern RESOLVE = Pattern.compile("/(datasets/)?(.+?)/resolve/([^/]+)/(.+)");

  private void hub(HttpExchange ex) throws IOException {
    try (ex) {
      String raw = ex.getRequestURI().getRawPath();
      String auth = ex.getRequestHeaders().getFirst("Authorization");
      requests.add(
          new Req(
              "hub",
              ex.getRequestMethod(),
              raw,
              ex.getRequestHeaders().getFirst("Range"),
              auth != null));
      if (auth != null && !auth.equals("Bearer " + token)) {
        ex.getResponseHeaders()
            .add("X-Error-Message", "Invalid credentials in Authorization header");
        send(ex, 401, "{\"error\":\"Invalid credentials in Authorization header\"}");
        return;
      }
      for (var e : throttle.entrySet()) {
        if (raw.matches(e.getKey()) && e.getValue().getAndDecrement() > 0) {
          ex.getResponseHeaders().add("Retry-After", "" + retryAfter.getOrDefault(e.getKey(), 1));
          send(ex, 429, "{\"error\":\"rate limited\"}");
          return;
        }
      }
      Matcher api = API.matcher(raw);
      Matcher res = RESOLVE.matcher(raw);
      String typedId;
      String rev;
      if (api.matches()) {
        typedId = api.group(1) + "/" + api.group(2);
        rev = URLDecoder.decode(api.group(4), StandardCharsets.UTF_8);
      } else if (res.matches()) {
        typedId = (res.group(1) == null ? "models/" : "datasets/") + res.group(2);
        rev = URLDecoder.decode(res.group(3), StandardCharsets.UTF_8);
      } else {
        send(ex, 404, "{}");
        return;
      }
      String oldId = typedId.substring(typedId.indexOf('/') + 1);
      if (renamed.containsKey(oldId)) {
        ex.getResponseHeaders()
            .add(
                "Location",
                raw.replaceFirst("/" + Pattern.quote(oldId) + "/", "/" + renamed.get(oldId) + "/")
                    + (ex.getRequestURI().getRawQuery() == null
                        ? ""
                        : "?" + ex.getRequestURI().getRawQuery()));
        ex.sendResponseHeaders(307, -1);
        return;
      }
      Repo repo = repos.get(typedId);
      if (repo == null) {
        ex.getResponseHeaders().add("X-Error-Code", "RepoNotFound");
        send(ex, auth == null ? 401 : 404, "{\"error\":\"Repository not found\"}");
        return;
      }
      if (gated.containsKey(typedId) && (auth == null || !gated.get(typedId).equals("granted"))) {
        ex.getResponseHeaders().add("X-Error-Code", "GatedRepo");
        send(ex, auth == null ? 401 : 403, "{\"error\":\"Access to this model is restricted\"}");
        return;
      }
      if (!rev.equals(repo.revision()) && !rev.equals(repo.commit())) {
        ex.getResponseHeaders().add("X-Error-Code", "RevisionNotFound");
        send(ex, 404, "{\"error\":\"Invalid rev id: " + rev + "\"}");
        return;
      }
      if (api.matches() && api.group(3).equals("revision")) {
        ObjectNode o =
            Jsonl.MAPPER.createObjectNode().put("id", api.group(2)).put("sha", repo.commit());
        ArrayNode siblings = o.putArray("siblings");
        repo.files().keySet().forEach(p -> siblings.addObject().put("rfilename", p));
        send(ex, 200, Jsonl.write(o));
      } else if (api.matches()) {
        tree(ex, repo);
      } else {
        resolve(ex, repo, URLDecoder.decode(res.group(4), StandardCharsets.UTF_8));
      }
    } catch (RuntimeException e) {
      problems.add("hub: " + e);
    }
  }

  private void tree(HttpExchange ex, Repo repo) throws IOException {
    String q = ex.getRequestURI().getQuery();
    if (q == null || !q.contains("recursive=1")) {
      problems.add("tree without recursive=1: " + q);
    }
    ArrayNode list = Jsonl.MAPPER.createArrayNode();
    repo.files()
        .forEach(
            (p, c) -> {
              ObjectNode o =
                  list.addObject().put("type", "file").put("path", p).put("size", c.length);
              if (lfs(p, c)) {
                byte[] pointer =
                    ("version https://git-lfs.github.com/spec/v1\noid sha256:"
                            + sha256(c)
                            + "\nsize "
                            + c.length
                            + "\n")
                        .getBytes(StandardCharsets.UTF_8);
                o.put("oid", gitOid(pointer));
                o.putObject("lfs")
                    .put("oid", sha256(c))
                    .put("size", c.length)
                    .put("pointerSize", pointer.length);
              } else {
                o.put("oid", gitOid(c));
              }
            });
    send(ex, 200, Jsonl.write(list));
  }

  private void resolve(HttpExchange ex, Repo repo, String path) throws IOException {
    byte[] c = repo.files().get(path);
    if (c == null) {
      ex.getResponseHeaders().add("X-Error-Code", "EntryNotFound");
      send(ex, 404, "{\"error\":\"Entry not found\"}");
      return;
    }
    ex.getResponseHeaders().add("X-Repo-Commit", repo.commit());
    if (lfs(path, c)) {
      ex.getResponseHeaders().add("X-Linked-Etag", "\"" + sha256(c) + "\"");
      ex.getResponseHeaders().add("X-Linked-Size", "" + c.length);
      ex.getResponseHeaders()
          .add("Location", storageBase() + "/lfs/" + sha256(c) + "?path=" + path);
      ex.sendResponseHeaders(302, -1);
      return;
    }
    ex.getResponseHeaders().add("ETag", "\"" + gitOid(c) + "\"");
    body(ex, path, c);
  }

  private void storage(HttpExchange ex) throws IOException {
    try (ex) {
      String raw = ex.getRequestURI().getRawPath();
      boolean auth = ex.getRequestHeaders().getFirst("Authorization") != null;
      requests.add(
          new Req(
              "storage",
              ex.getRequestMethod(),
              raw,
              ex.getRequestHeaders().getFirst("Range"),
              auth));
      if (auth) {
        problems.add("the token was sent to the storage host: " + raw);
      }
      String oid = raw.substring(raw.lastIndexOf('/') + 1);
      for (Repo r : repos.values()) {
        for (var e : r.files().entrySet()) {
          if (sha256(e.getValue()).equals(oid)) {
            body(ex, e.getKey(), e.getValue());
            return;
          }
        }
      }
      send(ex, 404, "");
    } catch (RuntimeException e) {
      problems.add("storage: " + e);
    }
  }

  /** Sends a file's bytes from the requested offset, with the faults set for its path. */
  private void body(HttpExchange ex, String path, byte[] c) throws IOException {
    long from = 0;
    String range = ex.getRequestHeaders().getFirst("Range");
    if (range != null) {
      Matcher m = Pattern.compile("bytes=(\\d+)-").matcher(range);
      if (!m.matches()) {
        send(ex, 400, "bad range");
        return;
      }
      from = Long.parseLong(m.group(1));
      if (from >= c.length) {
        ex.getResponseHeaders().add("Content-Range", "bytes */" + c.length);
        ex.sendResponseHeaders(416, -1);
        return;
      }
      ex.getResponseHeaders()
          .add("Content-Range", "bytes " + from + "-" + (c.length - 1) + "/" + c.length);
    }
    byte[] out = c.clone();
    if (take(corrupt, path)) {
      out[out.length / 2] ^= 0x5a;
    }
    int n = (int) (c.length - from);
    ex.sendResponseHeaders(range != null ? 206 : 200, n);
    boolean drop = take(drops, path);
    boolean stall = take(stalls, path);
    OutputStream os = ex.getResponseBody();
    int sent = 0;
    while (sent < n) {
      int chunk = Math.min(8192, n - sent);
      if ((drop || stall) && sent + chunk > n / 2) {
        os.flush();
        if (stall) {
          sleep(20_000);
        }
        // Closing the exchange short of its declared length drops the connection.
        return;
      }
      os.write(out, (int) from + sent, chunk);
      sent += chunk;
      if (bytesPerSecond > 0) {
        os.flush();
        sleep(chunk * 1000L / bytesPerSecond);
      }
    }
    os.flush();
  }

  private static boolean take(Map<String, AtomicInteger> faults, String path) {
    AtomicInteger left = faults.get(path);
    return left != null && left.getAndDecrement() > 0;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void send(HttpExchange ex, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
    if (b.length > 0) {
      ex.getResponseBody().write(b);
    }
  }

  /** Requests to the storage host for {@code oid} that started at byte 0. */
  long fullDownloads(String oid) {
    return requests.stream()
        .filter(r -> r.server().equals("storage") && r.path().endsWith(oid) && r.range() == null)
        .count();
  }

  public List<Req> requests(String regex) {
    List<Req> out = new ArrayList<>();
    requests.forEach(
        r -> {
          if (r.path().matches(regex)) {
            out.add(r);
          }
        });
    return out;
  }

  @Override
  public void close() {
    hub.stop(0);
    storage.stop(0);
  }

  /** Serves every file under {@code args[0]} as model repository {@code args[1]} until killed. */
  public static void main(String[] args) throws IOException, InterruptedException {
    Path dir = Path.of(args[0]);
    Map<String, byte[]> files = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.filter(Files::isRegularFile).toList()) {
        files.put(dir.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p));
      }
    }
    FakeDownloadHub hub =
        new FakeDownloadHub(System.getenv().getOrDefault("FAKE_HUB_TOKEN", "hf_fake"));
    String commit = hub.add("models/" + args[1], files);
    System.out.println("endpoint " + hub.endpoint() + " commit " + commit);
    System.out.flush();
    Thread.currentThread().join();
  }
}
