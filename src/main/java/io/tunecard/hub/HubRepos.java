package io.tunecard.hub;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.files.BadInputException;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Hub's read API for one repository, with its JSON key names verbatim: {@code GET
 * /api/{models|datasets}/{repo}/revision/{revision}} (the commit a branch or tag points at) and
 * {@code GET /api/{models|datasets}/{repo}/tree/{revision}?recursive=1&expand=false} (every file
 * with its size, git blob id and LFS sha256, in pages linked by {@code Link: rel="next"}). Refusals
 * become messages that say what to do: a gated repository names the page where its terms are
 * accepted and whether a token was sent at all.
 */
public final class HubRepos {
  private static final Pattern NEXT_LINK = Pattern.compile("<([^>]+)>\\s*;\\s*rel=\"?next\"?");
  private static final Set<Integer> HANDLED = Set.of(301, 302, 307, 308, 401, 403, 404);

  private final HubHttp http;

  public HubRepos(HubHttp http) {
    this.http = http;
  }

  /**
   * GET, following redirects: the Hub answers a renamed repository's old id ({@code roberta-large},
   * now {@code FacebookAI/roberta-large}) with one. The token goes only to the endpoint's origin.
   */
  private HubHttp.Reply get(String what, String url) {
    URI uri = URI.create(url);
    for (int hop = 0; hop < 5; hop++) {
      HubHttp.Reply reply =
          http.send(
              what,
              "",
              HttpRequest.newBuilder(uri).timeout(http.backoff().attemptTimeout()).GET().build(),
              true,
              HANDLED);
      String location = reply.headers().firstValue("Location").orElse(null);
      if (reply.status() / 100 != 3 || location == null) {
        return reply;
      }
      uri = uri.resolve(location);
    }
    throw new HubException(what + ": too many redirects", 0);
  }

  /** The commit {@code ref}'s revision points at now. */
  public String commit(RepoRef ref) {
    String url =
        http.access().base() + ref.apiPath() + "/revision/" + RepoRef.segment(ref.revision());
    var reply = get("resolve " + ref.label(), url);
    if (reply.status() != 200) {
      throw refusal(ref, reply.status(), reply.headers(), reply.body(), null);
    }
    String sha = reply.json("revision of " + ref.label()).path("sha").asText("");
    if (!RepoRef.isCommit(sha)) {
      throw new HubException("resolve " + ref.label() + ": the answer names no commit", 200);
    }
    return sha;
  }

  /** Every file of {@code ref} at {@code revision} (a commit, normally). */
  public List<RepoFile> tree(RepoRef ref, String revision) {
    return treeIfExists(ref, revision)
        .orElseThrow(() -> refusal(ref.at(revision), 404, null, new byte[0], null));
  }

  /**
   * Every file, or empty when the repository or revision does not exist (publishing creates it);
   * other refusals throw.
   */
  public Optional<List<RepoFile>> treeIfExists(RepoRef ref, String revision) {
    List<RepoFile> files = new ArrayList<>();
    String url =
        http.access().base()
            + ref.apiPath()
            + "/tree/"
            + RepoRef.segment(revision)
            + "?recursive=1&expand=false";
    for (int page = 0; url != null; page++) {
      if (page > 10_000) {
        throw new HubException("list " + ref.label() + ": too many pages", 200);
      }
      var reply = get("list the files of " + ref.label(), url);
      if (reply.status() == 404
          || reply.headers().firstValue("X-Error-Code").orElse("").equals("RepoNotFound")) {
        return Optional.empty();
      }
      if (reply.status() != 200) {
        throw refusal(ref, reply.status(), reply.headers(), reply.body(), null);
      }
      for (JsonNode e : reply.json("tree of " + ref.label())) {
        if (!"file".equals(e.path("type").asText())) {
          continue;
        }
        JsonNode lfs = e.path("lfs");
        try {
          files.add(
              new RepoFile(
                  e.path("path").asText(),
                  e.path("size").asLong(-1),
                  e.path("oid").asText(""),
                  lfs.isObject() ? lfs.path("oid").asText(null) : null));
        } catch (IllegalArgumentException bad) {
          throw new HubException(
              "list " + ref.label() + ": the Hub's tree has a malformed entry: " + bad.getMessage(),
              200);
        }
      }
      url = reply.headers().firstValue("Link").map(HubRepos::nextLink).orElse(null);
    }
    return Optional.of(files);
  }

  public static String nextLink(String link) {
    Matcher m = NEXT_LINK.matcher(link);
    return m.find() ? m.group(1) : null;
  }

  /**
   * What a 401, 403 or 404 means for {@code ref}, as bad input the user can fix.
   *
   * @param path the file asked for, or null for the repository itself
   */
  BadInputException refusal(
      RepoRef ref, int status, HttpHeaders headers, byte[] body, String path) {
    String code = headers == null ? "" : headers.firstValue("X-Error-Code").orElse("");
    String message = headers == null ? "" : headers.firstValue("X-Error-Message").orElse("");
    String says = headers == null ? "" : http.serverSays(headers, body);
    HubAccess access = http.access();
    String token =
        access.token().isPresent()
            ? "the token from " + access.tokenSource()
            : "no token was sent (set HF_TOKEN, or log in so that the token file exists)";
    String page = access.base() + ref.urlPath();
    if (code.equals("GatedRepo")) {
      return new BadInputException(
          ref.label()
              + " is a gated repository and "
              + (access.token().isPresent() ? token + " has not been granted access to it" : token)
              + ": accept its terms at "
              + page
              + " with your account, then use a token of that account (HTTP "
              + status
              + ")"
              + says);
    }
    if (status == 401 && message.startsWith("Invalid credentials")) {
      return new BadInputException(
          ref.label() + ": " + token + " is invalid or expired (HTTP 401)" + says);
    }
    if (code.equals("RevisionNotFound")) {
      return new BadInputException(
          ref.type().plural().replaceAll("s$", "")
              + " repository "
              + ref.id()
              + " has no revision '"
              + ref.revision()
              + "' at "
              + access.base()
              + " (HTTP "
              + status
              + ")");
    }
    if (code.equals("EntryNotFound") || (path != null && status == 404 && code.isEmpty())) {
      return new BadInputException(
          ref.label() + " has no file '" + path + "' at revision " + ref.revision() + says);
    }
    if (status == 403) {
      return new BadInputException(
          ref.label() + ": " + token + " may not read this repository (HTTP 403)" + says);
    }
    return new BadInputException(
        ref.type().plural().replaceAll("s$", "")
            + " repository "
            + ref.id()
            + " (revision "
            + ref.revision()
            + ") was not found at "
            + access.base()
            + "; check the id and --repo-type, or, if it is private or gated, "
            + (access.token().isPresent() ? "whether " + token + " may read it" : token)
            + " (HTTP "
            + status
            + ")"
            + says);
  }
}
