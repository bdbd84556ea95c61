package io.tunecard.publish;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.tunecard.files.Jsonl;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A local stand-in for the part of the Hugging Face Hub that publishing uses, with a second server
 * playing the LFS object storage (another origin, as S3 is; the LFS endpoints are in {@link
 * FakeLfs}). It keeps repositories (commits and files) and LFS objects, so reruns can be checked
 * for idempotence, and it checks every request: the bearer token (and its absence towards storage),
 * preupload samples, LFS oids and sizes against the uploaded bytes, multipart completion bodies,
 * verify calls, and the NDJSON commit (header first, parentCommit equal to the head, base64
 * contents, known LFS objects). A violated check is recorded in {@link #problems} and answered 400.
 * Faults can be queued: a status with headers and a body (which may echo the token), or a
 * connection closed without an answer.
 *
 * <p>Longer than most files: it is a small server, with repository state, fault injection and a
 * check of every request, and splitting those apart would scatter one protocol over many files.
 */
final class FakeHub implements AutoCloseable {
  static final String USER = "tunecard-test";
  static final String GITATTRIBUTES =
      "*.safetensors filter=lfs diff=lfs merge=lfs -text\n*.bin filter=lfs diff=lfs merge=lfs -text\n";

  /** One request as the servers saw it. */
  record Req(String server, String method, String path, String auth, int bodyBytes) {}

  /** One commit on a repository. */
  record CommitRecord(
      String oid, String parent, String summary, List<String> files, List<String> lfsFiles) {}

  /** A file at a path: bytes for a regular file, the sha256 oid for an LFS one. */
  record Stored(byte[] content, String lfsOid, long size) {}

  static final class Repo {
    final List<CommitRecord> commits = new ArrayList<>();
    final Map<String, Stored> files = new TreeMap<>();
    final Map<String, String> modes = new HashMap<>();
    final Map<String, byte[]> samples = new HashMap<>();
    boolean privateRepo;

    String head() {
      return commits.get(commits.size() - 1).oid();
    }
  }

  private enum Kind {
    STATUS,
    DROP,
    COMMIT_THEN_DROP,
    MOVE_HEAD,
    STALL
  }

  private static final class Fault {
    final String method;
    final Pattern path;
    int times;
    final Kind kind;
    final int status;
    final Map<String, String> headers;
    final String body;

    Fault(
        String method,
        String path,
        int times,
        Kind kind,
        int status,
        Map<String, String> h,
        String body) {
      this.method = method;
      this.path = Pattern.compile(path);
      this.times = times;
      this.kind = kind;
      this.status = status;
      this.headers = h;
      this.body = body;
    }
  }

  final String token;
  final List<Req> requests = Collections.synchronizedList(new ArrayList<>());
  final List<String> problems = Collections.synchronizedList(new ArrayList<>());
  final Map<String, Repo> repos = new TreeMap<>();

  /** The LFS object store and its transfer endpoints. */
  final FakeLfs store;

  /** Verified LFS objects by sha256 oid. */
  final Map<String, byte[]> lfs;

  private final ConcurrentLinkedDeque<Fault> faults = new ConcurrentLinkedDeque<>();
  private final HttpServer hub;
  private final HttpServer storage;
  private final ExecutorService pool = Executors.newFixedThreadPool(4);
  volatile String role = "write";
  volatile int treePage = 100;
  private int commitCounter;

  FakeHub(String token) throws IOException {
    this.token = token;
    InetAddress lo = InetAddress.getLoopbackAddress();
    hub = HttpServer.create(new InetSocketAddress(lo, 0), 0);
    storage = HttpServer.create(new InetSocketAddress(lo, 0), 0);
    hub.createContext("/", ex -> handle("hub", ex));
    storage.createContext("/", ex -> handle("storage", ex));
    hub.setExecutor(pool);
    storage.setExecutor(pool);
    hub.start();
    storage.start();
    store = new FakeLfs(endpoint(), storageBase(), problems::add);
    lfs = store.objects;
  }

  String endpoint() {
    return "http://127.0.0.1:" + hub.getAddress().getPort();
  }

  private String storageBase() {
    return "http://127.0.0.1:" + storage.getAddress().getPort();
  }

  @Override
  public void close() {
    hub.stop(0);
    storage.stop(0);
    pool.shutdownNow();
  }

  // ---- test controls ----------------------------------------------------------------------

  /**
   * Answers the next {@code times} matching requests with {@code status}; "{token}" in the body is
   * replaced by the bearer token the request carried (a server echoing it back).
   */
  void fail(
      String method, String path, int times, int status, Map<String, String> headers, String body) {
    faults.add(new Fault(method, path, times, Kind.STATUS, status, headers, body));
  }

  /** Reads half of the next {@code times} matching request bodies, then closes the connection. */
  void drop(String method, String path, int times) {
    faults.add(new Fault(method, path, times, Kind.DROP, 0, Map.of(), ""));
  }

  /** Holds the next matching request {@code millis} before handling it (a client timeout). */
  void stall(String method, String path, int millis) {
    faults.add(new Fault(method, path, 1, Kind.STALL, millis, Map.of(), ""));
  }

  /** Applies the next commit, then closes the connection without answering. */
  void commitThenDrop() {
    faults.add(new Fault("POST", ".*/commit/main", 1, Kind.COMMIT_THEN_DROP, 0, Map.of(), ""));
  }

  /** Someone else commits to the repository just before the next commit request is handled. */
  void moveHeadBeforeCommit() {
    faults.add(new Fault("POST", ".*/commit/main", 1, Kind.MOVE_HEAD, 0, Map.of(), ""));
  }

  synchronized Repo seed(String repoId, Map<String, byte[]> files) {
    Repo r = repos.containsKey(repoId) ? repos.get(repoId) : create(repoId, false);
    for (var e : files.entrySet()) {
      r.files.put(e.getKey(), new Stored(e.getValue(), null, e.getValue().length));
    }
    r.commits.add(
        new CommitRecord(nextOid(), r.head(), "seed", List.copyOf(files.keySet()), List.of()));
    return r;
  }

  synchronized Repo repo(String repoId) {
    return repos.get(repoId);
  }

  long count(String method, String pathRegex) {
    synchronized (requests) {
      return requests.stream()
          .filter(r -> r.method().equals(method) && r.path().matches(pathRegex))
          .count();
    }
  }

  // ---- dispatch ---------------------------------------------------------------------------

  private void handle(String server, HttpExchange ex) throws IOException {
    try {
      String method = ex.getRequestMethod();
      String path = ex.getRequestURI().getPath();
      String auth = ex.getRequestHeaders().getFirst("Authorization");
      Fault fault = takeFault(method, path);
      if (fault != null && fault.kind == Kind.DROP) {
        long len = Long.parseLong(ex.getRequestHeaders().getFirst("Content-length"));
        byte[] half = ex.getRequestBody().readNBytes((int) (len / 2));
        requests.add(new Req(server, method, path, auth, half.length));
        ex.close(); // no response headers sent: the connection is closed
        return;
      }
      byte[] body = readAll(ex.getRequestBody());
      requests.add(new Req(server, method, path, auth, body.length));
      if (fault != null && fault.kind == Kind.STALL) {
        try {
          Thread.sleep(fault.status);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      if (fault != null && fault.kind == Kind.STATUS) {
        fault.headers.forEach((k, v) -> ex.getResponseHeaders().add(k, v));
        String echoed = auth == null ? "" : auth.replaceFirst("^Bearer ", "");
        send(ex, fault.status, fault.body.replace("{token}", echoed));
        return;
      }
      synchronized (this) {
        if (server.equals("storage")) {
          store.storage(ex, method, path, auth, body);
        } else {
          hub(ex, method, path, auth, body, fault);
        }
      }
    } catch (RuntimeException e) {
      problem("server error: " + e);
      send(ex, 500, "{\"error\":\"fake hub: " + e.getClass().getSimpleName() + "\"}");
    }
  }

  private Fault takeFault(String method, String path) {
    for (Fault f : faults) {
      synchronized (f) {
        if (f.times > 0 && f.method.equals(method) && f.path.matcher(path).matches()) {
          f.times--;
          return f;
        }
      }
    }
    return null;
  }

  private static final Pattern REPO_API =
      Pattern.compile("/api/models/([^/]+/[^/]+)/(revision|tree|preupload|commit)/main");
  private static final Pattern LFS_API =
      Pattern.compile("/([^/]+/[^/]+)\\.git/info/lfs/objects/(batch|verify)");
  private static final Pattern RESOLVE = Pattern.compile("/([^/]+/[^/]+)/resolve/main/(.+)");

  private void hub(
      HttpExchange ex, String method, String path, String auth, byte[] body, Fault fault)
      throws IOException {
    Matcher m;
    if (path.equals("/api/whoami-v2") && method.equals("GET")) {
      if (requireAuth(ex, auth)) {
        ObjectNode o = Jsonl.MAPPER.createObjectNode().put("type", "user").put("name", USER);
        o.putObject("auth").putObject("accessToken").put("displayName", "ci").put("role", role);
        send(ex, 200, Jsonl.write(o));
      }
    } else if (path.equals("/api/repos/create") && method.equals("POST")) {
      if (requireAuth(ex, auth)) {
        createRequest(ex, json(body));
      }
    } else if ((m = REPO_API.matcher(path)).matches()) {
      if (!requireAuth(ex, auth)) {
        return;
      }
      Repo r = repos.get(m.group(1));
      if (r == null) {
        // Like the Hub, which does not confirm that a repository exists: 401 on the revision.
        ex.getResponseHeaders().add("X-Error-Code", "RepoNotFound");
        send(ex, m.group(2).equals("revision") ? 401 : 404, "{\"error\":\"Repository not found\"}");
        return;
      }
      switch (m.group(2)) {
        case "revision" ->
            send(ex, 200, "{\"id\":\"" + m.group(1) + "\",\"sha\":\"" + r.head() + "\"}");
        case "tree" -> tree(ex, r, m.group(1));
        case "preupload" -> preupload(ex, r, json(body));
        default -> commit(ex, r, m.group(1), body, fault);
      }
    } else if ((m = LFS_API.matcher(path)).matches() && method.equals("POST")) {
      if (!requireAuth(ex, auth)) {
        return;
      }
      expect(ex, "Accept", "application/vnd.git-lfs+json");
      expect(ex, "Content-Type", "application/vnd.git-lfs+json");
      if (m.group(2).equals("batch")) {
        store.batch(ex, m.group(1), json(body));
      } else {
        store.verify(ex, json(body));
      }
    } else if (path.startsWith("/lfs-complete/") && method.equals("POST")) {
      expect(ex, "Content-Type", "application/vnd.git-lfs+json");
      store.complete(ex, path.substring("/lfs-complete/".length()), json(body));
    } else if ((m = RESOLVE.matcher(path)).matches() && method.equals("GET")) {
      Repo r = repos.get(m.group(1));
      if (r == null) {
        ex.getResponseHeaders().add("X-Error-Code", "RepoNotFound");
        send(ex, auth == null ? 401 : 404, "{\"error\":\"Repository not found\"}");
      } else if (!r.files.containsKey(m.group(2)) || r.files.get(m.group(2)).content() == null) {
        ex.getResponseHeaders().add("X-Error-Code", "EntryNotFound");
        send(ex, 404, "{\"error\":\"Entry not found\"}");
      } else {
        sendBytes(ex, 200, r.files.get(m.group(2)).content());
      }
    } else {
      problem("unexpected request " + method + " " + path);
      send(ex, 404, "{\"error\":\"not found\"}");
    }
  }

  private boolean requireAuth(HttpExchange ex, String auth) throws IOException {
    if (("Bearer " + token).equals(auth)) {
      return true;
    }
    send(ex, 401, "{\"error\":\"Invalid credentials in Authorization header\"}");
    return false;
  }

  private void expect(HttpExchange ex, String header, String value) {
    String got = ex.getRequestHeaders().getFirst(header);
    if (!value.equals(got)) {
      problem(
          ex.getRequestURI().getPath()
              + ": header "
              + header
              + " = "
              + got
              + ", expected "
              + value);
    }
  }

  // ---- repositories -----------------------------------------------------------------------

  private Repo create(String repoId, boolean privateRepo) {
    Repo r = new Repo();
    r.privateRepo = privateRepo;
    byte[] attrs = GITATTRIBUTES.getBytes(StandardCharsets.UTF_8);
    r.files.put(".gitattributes", new Stored(attrs, null, attrs.length));
    r.commits.add(
        new CommitRecord(nextOid(), null, "initial commit", List.of(".gitattributes"), List.of()));
    repos.put(repoId, r);
    return r;
  }

  private void createRequest(HttpExchange ex, JsonNode b) throws IOException {
    String name = b.path("name").asText("");
    String org = b.path("organization").asText("");
    if (name.isEmpty() || org.isEmpty() || !"model".equals(b.path("type").asText())) {
      problem("create: expected name, organization and type model, got " + b);
      send(ex, 400, "{\"error\":\"bad request\"}");
      return;
    }
    String id = org + "/" + name;
    if (repos.containsKey(id)) {
      send(
          ex,
          409,
          "{\"error\":\"You already created this model repo\",\"url\":\""
              + endpoint()
              + "/"
              + id
              + "\"}");
      return;
    }
    create(id, b.path("private").asBoolean(false));
    send(ex, 200, "{\"url\":\"" + endpoint() + "/" + id + "\"}");
  }

  private void tree(HttpExchange ex, Repo r, String repoId) throws IOException {
    String query = ex.getRequestURI().getQuery();
    if (query == null || !query.contains("recursive=1")) {
      problem("tree: expected recursive=1, got " + query);
    }
    List<ObjectNode> entries = new ArrayList<>();
    java.util.Set<String> dirs = new java.util.TreeSet<>();
    for (var e : r.files.entrySet()) {
      String p = e.getKey();
      for (int i = p.indexOf('/'); i >= 0; i = p.indexOf('/', i + 1)) {
        dirs.add(p.substring(0, i));
      }
      Stored s = e.getValue();
      ObjectNode o = Jsonl.MAPPER.createObjectNode().put("type", "file");
      if (s.lfsOid() == null) {
        o.put("oid", gitBlob(s.content())).put("size", s.size()).put("path", p);
      } else {
        byte[] pointer = pointer(s.lfsOid(), s.size());
        o.put("oid", gitBlob(pointer)).put("size", s.size()).put("path", p);
        o.putObject("lfs")
            .put("oid", s.lfsOid())
            .put("size", s.size())
            .put("pointerSize", pointer.length);
      }
      entries.add(o);
    }
    for (String d : dirs) {
      entries.add(
          Jsonl.MAPPER
              .createObjectNode()
              .put("type", "directory")
              .put("oid", "0".repeat(40))
              .put("size", 0)
              .put("path", d));
    }
    int from = 0;
    Matcher c = Pattern.compile("cursor=(\\d+)").matcher(query == null ? "" : query);
    if (c.find()) {
      from = Integer.parseInt(c.group(1));
    }
    int to = Math.min(entries.size(), from + treePage);
    ArrayNode page = Jsonl.MAPPER.createArrayNode();
    entries.subList(from, to).forEach(page::add);
    if (to < entries.size()) {
      ex.getResponseHeaders()
          .add(
              "Link",
              "<"
                  + endpoint()
                  + "/api/models/"
                  + repoId
                  + "/tree/main?recursive=1&cursor="
                  + to
                  + ">; rel=\"next\"");
    }
    send(ex, 200, Jsonl.write(page));
  }

  private void preupload(HttpExchange ex, Repo r, JsonNode b) throws IOException {
    ArrayNode out = Jsonl.MAPPER.createArrayNode();
    for (JsonNode f : b.path("files")) {
      String p = f.path("path").asText("");
      long size = f.path("size").asLong(-1);
      byte[] sample;
      try {
        sample = Base64.getDecoder().decode(f.path("sample").asText(""));
      } catch (IllegalArgumentException e) {
        problem("preupload " + p + ": sample is not base64");
        sample = new byte[0];
      }
      if (p.isEmpty() || size < 0 || sample.length != Math.min(512, size)) {
        problem(
            "preupload "
                + p
                + ": expected path, size and a sample of min(512, size) bytes,"
                + " got size "
                + size
                + " and "
                + sample.length
                + " sample bytes");
      }
      String mode =
          size >= 10L * 1024 * 1024
                  || p.endsWith(".safetensors")
                  || p.endsWith(".bin")
                  || binary(sample)
              ? "lfs"
              : "regular";
      r.modes.put(p, mode);
      r.samples.put(p, sample);
      out.addObject().put("path", p).put("uploadMode", mode).put("shouldIgnore", false);
    }
    ObjectNode o = Jsonl.MAPPER.createObjectNode();
    o.set("files", out);
    send(ex, 200, Jsonl.write(o));
  }

  private static boolean binary(byte[] sample) {
    for (byte x : sample) {
      if (x == 0) {
        return true;
      }
    }
    return false;
  }

  // ---- commits ----------------------------------------------------------------------------

  private void commit(HttpExchange ex, Repo r, String repoId, byte[] body, Fault fault)
      throws IOException {
    expect(ex, "Content-Type", "application/x-ndjson");
    if (fault != null && fault.kind == Kind.MOVE_HEAD) {
      byte[] other = "someone else\n".getBytes(StandardCharsets.UTF_8);
      r.files.put("NOTES.md", new Stored(other, null, other.length));
      r.commits.add(
          new CommitRecord(
              nextOid(), r.head(), "a concurrent change", List.of("NOTES.md"), List.of()));
    }
    String[] lines = new String(body, StandardCharsets.UTF_8).split("\n");
    List<String> bad = new ArrayList<>();
    JsonNode header = parse(lines[0], bad);
    if (!"header".equals(header.path("key").asText())) {
      bad.add("the first line is not the header: " + lines[0]);
    }
    JsonNode hv = header.path("value");
    if (hv.path("summary").asText("").isBlank() || !hv.path("description").isTextual()) {
      bad.add("header: expected a summary and a description");
    }
    if (!hv.has("parentCommit")) {
      bad.add("header: no parentCommit");
    } else if (!hv.path("parentCommit").asText().equals(r.head())) {
      send(ex, 412, "{\"error\":\"A commit has happened since. Please refresh and try again.\"}");
      return;
    }
    Map<String, Stored> changes = new LinkedHashMap<>();
    List<String> regular = new ArrayList<>();
    List<String> lfsPaths = new ArrayList<>();
    for (int i = 1; i < lines.length; i++) {
      JsonNode line = parse(lines[i], bad);
      JsonNode v = line.path("value");
      String p = v.path("path").asText("");
      if (changes.containsKey(p)) {
        bad.add(p + ": twice in one commit");
      }
      switch (line.path("key").asText()) {
        case "file" -> {
          byte[] content = new byte[0];
          try {
            content = Base64.getDecoder().decode(v.path("content").asText(""));
          } catch (IllegalArgumentException e) {
            bad.add(p + ": content is not base64");
          }
          if (!"base64".equals(v.path("encoding").asText())) {
            bad.add(p + ": encoding is not base64");
          }
          if ("lfs".equals(r.modes.get(p)) && content.length > 0) {
            bad.add(p + ": sent as a regular file although preupload said lfs");
          }
          byte[] sample = r.samples.get(p);
          if (sample == null
              || !java.util.Arrays.equals(
                  sample, java.util.Arrays.copyOf(content, Math.min(512, content.length)))) {
            bad.add(p + ": the content does not start with the preupload sample");
          }
          changes.put(p, new Stored(content, null, content.length));
          regular.add(p);
        }
        case "lfsFile" -> {
          String oid = v.path("oid").asText("");
          long size = v.path("size").asLong(-1);
          if (!"sha256".equals(v.path("algo").asText())) {
            bad.add(p + ": algo is not sha256");
          }
          if (!"lfs".equals(r.modes.get(p))) {
            bad.add(p + ": sent as LFS although preupload said " + r.modes.get(p));
          }
          if (!lfs.containsKey(oid)) {
            bad.add(p + ": LFS object " + oid + " was never uploaded and verified");
          } else if (lfs.get(oid).length != size) {
            bad.add(p + ": size " + size + " but the object has " + lfs.get(oid).length);
          }
          changes.put(p, new Stored(null, oid, size));
          lfsPaths.add(p);
        }
        default -> bad.add("unknown line key " + line.path("key"));
      }
    }
    if (changes.isEmpty()) {
      bad.add("a commit without files");
    }
    if (!bad.isEmpty()) {
      bad.forEach(this::problem);
      send(ex, 400, "{\"error\":\"" + bad.get(0).replace("\"", "'") + "\"}");
      return;
    }
    r.files.putAll(changes);
    String oid = nextOid();
    r.commits.add(new CommitRecord(oid, r.head(), hv.path("summary").asText(), regular, lfsPaths));
    if (fault != null && fault.kind == Kind.COMMIT_THEN_DROP) {
      ex.close();
      return;
    }
    send(
        ex,
        200,
        "{\"commitUrl\":\""
            + endpoint()
            + "/"
            + repoId
            + "/commit/"
            + oid
            + "\",\"commitOid\":\""
            + oid
            + "\",\"pullRequestUrl\":null}");
  }

  private JsonNode parse(String line, List<String> bad) {
    try {
      return Jsonl.MAPPER.readTree(line);
    } catch (IOException e) {
      bad.add("not JSON: " + line);
      return Jsonl.MAPPER.createObjectNode();
    }
  }

  private String nextOid() {
    return sha1(("commit " + (++commitCounter)).getBytes(StandardCharsets.UTF_8));
  }

  // ---- helpers ----------------------------------------------------------------------------

  private void problem(String p) {
    problems.add(p);
  }

  static JsonNode json(byte[] body) {
    try {
      return Jsonl.MAPPER.readTree(body);
    } catch (IOException e) {
      return Jsonl.MAPPER.createObjectNode();
    }
  }

  private static byte[] readAll(InputStream in) throws IOException {
    return in.readAllBytes();
  }

  static void send(HttpExchange ex, int status, String body) throws IOException {
    sendBytes(ex, status, body.getBytes(StandardCharsets.UTF_8));
  }

  private static void sendBytes(HttpExchange ex, int status, byte[] body) throws IOException {
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  static byte[] pointer(String oid, long size) {
    return ("version https://git-lfs.github.com/spec/v1\noid sha256:"
            + oid
            + "\nsize "
            + size
            + "\n")
        .getBytes(StandardCharsets.UTF_8);
  }

  static String gitBlob(byte[] content) {
    byte[] head = ("blob " + content.length + "\0").getBytes(StandardCharsets.US_ASCII);
    byte[] all = new byte[head.length + content.length];
    System.arraycopy(head, 0, all, 0, head.length);
    System.arraycopy(content, 0, all, head.length, content.length);
    return sha1(all);
  }

  static String sha256(byte[] b) {
    return digest("SHA-256", b);
  }

  private static String sha1(byte[] b) {
    return digest("SHA-1", b);
  }

  static String etag(byte[] b) {
    return digest("MD5", b);
  }

  private static String digest(String algo, byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance(algo).digest(b));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
