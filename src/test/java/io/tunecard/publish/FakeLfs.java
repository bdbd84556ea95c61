package io.tunecard.publish;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import io.tunecard.files.Jsonl;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The Git LFS side of {@link FakeHub}: the batch endpoint (basic or multipart instructions, no
 * actions for objects already stored), the storage server's PUTs (checked against the oid, and for
 * the absence of the token), the multipart completion (parts, ETags, order) and verify. Objects
 * count as stored only once verified. Called with the hub's lock held.
 */
final class FakeLfs {
  /** Verified objects by sha256 oid. */
  final Map<String, byte[]> objects = new HashMap<>();

  private final Map<String, byte[]> unverified = new HashMap<>();
  private final Map<String, TreeMap<Integer, byte[]>> parts = new HashMap<>();
  private final String hubBase;
  private final String storageBase;
  private final Consumer<String> problems;
  volatile long multipartAbove = 32 * 1024;
  volatile int chunkSize = 16 * 1024;

  FakeLfs(String hubBase, String storageBase, Consumer<String> problems) {
    this.hubBase = hubBase;
    this.storageBase = storageBase;
    this.problems = problems;
  }

  void batch(HttpExchange ex, String repoId, JsonNode b) throws IOException {
    if (!"upload".equals(b.path("operation").asText())
        || !b.path("transfers").toString().equals("[\"basic\",\"multipart\"]")
        || !"sha256".equals(b.path("hash_algo").asText())) {
      problems.accept(
          "batch: expected operation upload, transfers [basic, multipart], hash_algo sha256: " + b);
    }
    ArrayNode out = Jsonl.MAPPER.createArrayNode();
    for (JsonNode o : b.path("objects")) {
      String oid = o.path("oid").asText("");
      long size = o.path("size").asLong(-1);
      if (!oid.matches("[0-9a-f]{64}") || size < 0) {
        problems.accept("batch: bad object " + o);
      }
      ObjectNode r = out.addObject().put("oid", oid).put("size", size);
      if (objects.containsKey(oid)) {
        continue; // already stored: no actions
      }
      ObjectNode actions = r.putObject("actions");
      ObjectNode upload = actions.putObject("upload");
      if (size > multipartAbove) {
        upload.put("href", hubBase + "/lfs-complete/" + oid);
        ObjectNode h = upload.putObject("header").put("chunk_size", String.valueOf(chunkSize));
        int n = (int) ((size + chunkSize - 1) / chunkSize);
        for (int i = n; i >= 1; i--) { // deliberately not in order
          h.put(String.format("%05d", i), storageBase + "/part/" + oid + "/" + i);
        }
      } else {
        upload.put("href", storageBase + "/basic/" + oid);
        upload.putObject("header").put("X-Fake-Signature", "sig-" + oid.substring(0, 8));
      }
      actions
          .putObject("verify")
          .put("href", hubBase + "/" + repoId + ".git/info/lfs/objects/verify");
    }
    ObjectNode resp = Jsonl.MAPPER.createObjectNode().put("transfer", "basic");
    resp.set("objects", out);
    ex.getResponseHeaders().add("Content-Type", "application/vnd.git-lfs+json");
    FakeHub.send(ex, 200, Jsonl.write(resp));
  }

  void storage(HttpExchange ex, String method, String path, String auth, byte[] body)
      throws IOException {
    if (auth != null) {
      problems.accept("storage " + path + ": received an Authorization header");
    }
    String[] seg = path.split("/");
    if (method.equals("PUT") && seg.length == 3 && seg[1].equals("basic")) {
      String sig = ex.getRequestHeaders().getFirst("X-Fake-Signature");
      if (!("sig-" + seg[2].substring(0, 8)).equals(sig)) {
        problems.accept("basic upload " + seg[2] + ": the action's header was not sent");
      }
      if (!FakeHub.sha256(body).equals(seg[2])) {
        problems.accept(
            "basic upload: content sha256 " + FakeHub.sha256(body) + " != oid " + seg[2]);
        FakeHub.send(ex, 400, "{}");
        return;
      }
      unverified.put(seg[2], body);
      FakeHub.send(ex, 200, "");
    } else if (method.equals("PUT") && seg.length == 4 && seg[1].equals("part")) {
      int n = Integer.parseInt(seg[3]);
      if (n != parts.computeIfAbsent(seg[2], k -> new TreeMap<>()).size() + 1
          && !parts.get(seg[2]).containsKey(n)) {
        problems.accept("part " + n + " of " + seg[2] + " out of order");
      }
      parts.get(seg[2]).put(n, body);
      ex.getResponseHeaders().add("ETag", "\"" + FakeHub.etag(body) + "\"");
      FakeHub.send(ex, 200, "");
    } else {
      problems.accept("storage: unexpected " + method + " " + path);
      FakeHub.send(ex, 404, "");
    }
  }

  void complete(HttpExchange ex, String oid, JsonNode b) throws IOException {
    TreeMap<Integer, byte[]> got = parts.getOrDefault(oid, new TreeMap<>());
    JsonNode list = b.path("parts");
    boolean ok = oid.equals(b.path("oid").asText()) && list.size() == got.size();
    java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
    for (int i = 0; ok && i < list.size(); i++) {
      JsonNode p = list.get(i);
      byte[] bytes = got.get(i + 1);
      ok =
          p.path("partNumber").asInt() == i + 1
              && bytes != null
              && p.path("etag").asText().equals("\"" + FakeHub.etag(bytes) + "\"");
      if (ok) {
        all.writeBytes(bytes);
      }
    }
    if (!ok || !FakeHub.sha256(all.toByteArray()).equals(oid)) {
      problems.accept("multipart completion for " + oid + " does not match the parts: " + b);
      FakeHub.send(ex, 400, "{}");
      return;
    }
    unverified.put(oid, all.toByteArray());
    parts.remove(oid);
    FakeHub.send(ex, 200, "{}");
  }

  void verify(HttpExchange ex, JsonNode b) throws IOException {
    String oid = b.path("oid").asText("");
    byte[] bytes = unverified.containsKey(oid) ? unverified.get(oid) : objects.get(oid);
    if (bytes == null || bytes.length != b.path("size").asLong(-1)) {
      problems.accept("verify " + oid + ": no such object of that size");
      FakeHub.send(ex, 404, "{\"message\":\"object not found\"}");
      return;
    }
    objects.put(oid, bytes);
    unverified.remove(oid);
    FakeHub.send(ex, 200, "{}");
  }
}
