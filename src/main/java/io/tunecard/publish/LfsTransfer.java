package io.tunecard.publish;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.Jsonl;
import io.tunecard.hub.HubAccess;
import io.tunecard.hub.HubException;
import io.tunecard.hub.HubHttp;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Git LFS uploads to the Hub: the batch call ({@code POST {repo}.git/info/lfs/objects/batch},
 * transfers {@code basic} and {@code multipart}, sha256 oids), then for each object the server does
 * not have yet either one PUT (basic) or a PUT per numbered part followed by the completion POST
 * with the parts' ETags (multipart), then the verify call. Objects the batch answers without {@code
 * actions} are already stored and are not sent again.
 */
final class LfsTransfer {
  private static final String LFS_JSON = "application/vnd.git-lfs+json";

  /** Headers the HTTP client sets itself and refuses from callers. */
  private static final Set<String> RESTRICTED =
      Set.of("connection", "content-length", "expect", "host", "upgrade", "transfer-encoding");

  private final HubHttp http;
  private final Consumer<String> notes;

  LfsTransfer(HubClient client, Consumer<String> notes) {
    this.http = client.http();
    this.notes = notes;
  }

  /** One object's instructions; {@code upload} is null when the Hub already has it. */
  record Action(String oid, long size, JsonNode upload, JsonNode verify) {}

  /** Uploads the objects of {@code files} the Hub lacks; returns how many were sent. */
  int upload(String repoId, List<LocalFile> files) {
    if (files.isEmpty()) {
      return 0;
    }
    Map<String, LocalFile> byOid = new TreeMap<>();
    files.forEach(f -> byOid.putIfAbsent(f.sha256(), f));
    int sent = 0;
    for (Action a : batch(repoId, List.copyOf(byOid.values()))) {
      LocalFile f = byOid.get(a.oid());
      if (f == null || f.size() != a.size()) {
        throw new HubException(
            "LFS batch for " + repoId + ": the answer names an object that was not asked for", 200);
      }
      if (a.upload() == null) {
        notes.accept(f.pathInRepo() + ": already stored on the Hub (LFS " + shortOid(a) + ")");
        continue;
      }
      JsonNode header = a.upload().path("header");
      if (header.has("chunk_size")) {
        multipart(repoId, f, a.upload());
      } else {
        basic(repoId, f, a.upload());
      }
      if (a.verify() != null) {
        verify(repoId, f, a.verify());
      }
      sent++;
    }
    return sent;
  }

  private static String shortOid(Action a) {
    return a.oid().substring(0, 12);
  }

  List<Action> batch(String repoId, List<LocalFile> files) {
    ObjectNode body = Jsonl.MAPPER.createObjectNode();
    body.put("operation", "upload");
    body.putArray("transfers").add("basic").add("multipart");
    ArrayNode objects = body.putArray("objects");
    for (LocalFile f : files) {
      objects.addObject().put("oid", f.sha256()).put("size", f.size());
    }
    body.put("hash_algo", "sha256");
    body.putObject("ref").put("name", "refs/heads/" + HubClient.REVISION);
    var reply =
        http.send(
            "LFS batch for " + repoId,
            HubClient.writeDenied(repoId),
            HttpRequest.newBuilder(
                    URI.create(http.access().base() + "/" + repoId + ".git/info/lfs/objects/batch"))
                .timeout(http.backoff().attemptTimeout())
                .header("Accept", LFS_JSON)
                .header("Content-Type", LFS_JSON)
                .POST(HttpRequest.BodyPublishers.ofString(Jsonl.write(body)))
                .build(),
            true,
            Set.of());
    List<Action> actions = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    for (JsonNode o : reply.json("LFS batch").path("objects")) {
      if (o.has("error")) {
        errors.add(
            o.path("oid").asText()
                + ": "
                + http.clean(o.path("error").path("message").asText("error")));
        continue;
      }
      JsonNode acts = o.path("actions");
      actions.add(
          new Action(
              o.path("oid").asText(),
              o.path("size").asLong(-1),
              acts.has("upload") ? acts.get("upload") : null,
              acts.has("verify") ? acts.get("verify") : null));
    }
    if (!errors.isEmpty()) {
      throw new HubException("LFS batch for " + repoId + " refused: " + errors, reply.status());
    }
    return actions;
  }

  private void basic(String repoId, LocalFile f, JsonNode upload) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(href(upload))
            .timeout(http.backoff().transferTimeout(f.size()))
            .PUT(HttpRequest.BodyPublishers.fromPublisher(publisher(f, 0, f.size()), f.size()));
    copyHeaders(upload.path("header"), b);
    notes.accept(f.pathInRepo() + ": uploading " + f.size() + " bytes (LFS, basic)");
    http.send(
        "upload " + f.pathInRepo() + " to " + repoId,
        HubClient.writeDenied(repoId),
        b.build(),
        false,
        Set.of());
  }

  private void multipart(String repoId, LocalFile f, JsonNode upload) {
    JsonNode header = upload.path("header");
    long chunk;
    try {
      chunk = Long.parseLong(header.path("chunk_size").asText());
    } catch (NumberFormatException e) {
      throw new HubException("LFS batch for " + repoId + ": chunk_size is not a number", 200);
    }
    TreeMap<Integer, String> parts = new TreeMap<>();
    for (Iterator<String> it = header.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (k.matches("\\d+")) {
        parts.put(Integer.parseInt(k), header.get(k).asText());
      }
    }
    if (chunk <= 0 || parts.size() != (f.size() + chunk - 1) / chunk) {
      throw new HubException(
          "LFS batch for "
              + repoId
              + ": "
              + parts.size()
              + " parts of "
              + chunk
              + " bytes do not cover "
              + f.size()
              + " bytes",
          200);
    }
    notes.accept(
        String.format(
            Locale.ROOT,
            "%s: uploading %d bytes (LFS, multipart: %d parts)",
            f.pathInRepo(),
            f.size(),
            parts.size()));
    ObjectNode completion = Jsonl.MAPPER.createObjectNode();
    completion.put("oid", f.sha256());
    ArrayNode done = completion.putArray("parts");
    int index = 0;
    for (var part : parts.entrySet()) {
      long offset = index * chunk;
      long length = Math.min(chunk, f.size() - offset);
      var reply =
          http.send(
              "upload part " + part.getKey() + " of " + f.pathInRepo(),
              HubClient.writeDenied(repoId),
              HttpRequest.newBuilder(URI.create(part.getValue()))
                  .timeout(http.backoff().transferTimeout(length))
                  .PUT(
                      HttpRequest.BodyPublishers.fromPublisher(
                          publisher(f, offset, length), length))
                  .build(),
              false,
              Set.of());
      String etag = reply.headers().firstValue("ETag").orElse("");
      if (etag.isEmpty()) {
        throw new HubException("upload part " + part.getKey() + ": no ETag in the answer", 200);
      }
      done.addObject().put("partNumber", index + 1).put("etag", etag);
      index++;
    }
    http.send(
        "complete the upload of " + f.pathInRepo(),
        HubClient.writeDenied(repoId),
        HttpRequest.newBuilder(href(upload))
            .timeout(http.backoff().attemptTimeout().multipliedBy(2))
            .header("Accept", LFS_JSON)
            .header("Content-Type", LFS_JSON)
            .POST(HttpRequest.BodyPublishers.ofString(Jsonl.write(completion)))
            .build(),
        false,
        Set.of());
  }

  private void verify(String repoId, LocalFile f, JsonNode verify) {
    ObjectNode body = Jsonl.MAPPER.createObjectNode().put("oid", f.sha256()).put("size", f.size());
    HttpRequest.Builder b =
        HttpRequest.newBuilder(href(verify))
            .timeout(http.backoff().attemptTimeout())
            .header("Accept", LFS_JSON)
            .header("Content-Type", LFS_JSON)
            .POST(HttpRequest.BodyPublishers.ofString(Jsonl.write(body)));
    copyHeaders(verify.path("header"), b);
    // The token goes along only when the verify URL is the endpoint's own and the action did
    // not bring its own credentials.
    boolean ownAuth = verify.path("header").has("Authorization");
    http.send(
        "verify " + f.pathInRepo() + " on " + repoId,
        HubClient.writeDenied(repoId),
        b.build(),
        !ownAuth,
        Set.of());
  }

  private URI href(JsonNode action) {
    String href = action.path("href").asText("");
    URI uri = URI.create(href);
    boolean secure =
        "https".equals(uri.getScheme())
            || "http".equals(uri.getScheme()) && HubAccess.isLoopback(uri.getHost());
    if (!secure) {
      throw new HubException("LFS batch: refusing a transfer URL that is not https", 200);
    }
    return uri;
  }

  private static void copyHeaders(JsonNode header, HttpRequest.Builder b) {
    for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
      var e = it.next();
      String name = e.getKey();
      if (name.equals("chunk_size")
          || name.matches("\\d+")
          || RESTRICTED.contains(name.toLowerCase(Locale.ROOT))) {
        continue;
      }
      b.setHeader(name, e.getValue().asText());
    }
  }

  /** Streams {@code length} bytes of the file from {@code offset}; re-subscribable for retries. */
  private static java.util.concurrent.Flow.Publisher<java.nio.ByteBuffer> publisher(
      LocalFile f, long offset, long length) {
    return HttpRequest.BodyPublishers.ofInputStream(() -> slice(f, offset, length));
  }

  private static InputStream slice(LocalFile f, long offset, long length) {
    try {
      FileChannel ch = FileChannel.open(f.source(), StandardOpenOption.READ);
      ch.position(offset);
      return new FilterInputStream(Channels.newInputStream(ch)) {
        private long left = length;

        @Override
        public int read() throws IOException {
          if (left <= 0) {
            return -1;
          }
          int b = super.read();
          if (b >= 0) {
            left--;
          }
          return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
          if (left <= 0) {
            return -1;
          }
          int n = super.read(buf, off, (int) Math.min(len, left));
          if (n > 0) {
            left -= n;
          }
          return n;
        }
      };
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + f.source() + ": " + e.getMessage(), e);
    }
  }
}
