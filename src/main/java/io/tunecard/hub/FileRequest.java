package io.tunecard.hub;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The request for one file's bytes: {@code GET {endpoint}/{repo}/resolve/{commit}/{path}} ({@code
 * /datasets/{repo}/...} for a dataset) with {@code Accept-Encoding: identity} and, to resume,
 * {@code Range: bytes=N-}. Redirects — to the storage host for an LFS file, to the new name of a
 * renamed repository — are followed here rather than by the HTTP client, so that the token goes
 * only to the endpoint's own origin ({@link HubHttp} signs nothing else). The Hub's headers must
 * agree with the tree listing: {@code X-Repo-Commit} is the commit asked for, {@code X-Linked-Etag}
 * (LFS) or {@code ETag} (regular file) the blob's id.
 */
final class FileRequest {
  private static final int MAX_REDIRECTS = 10;
  private static final Set<Integer> HANDLED = Set.of(301, 302, 303, 307, 308, 401, 403, 404, 416);
  private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-\\d+/(\\d+|\\*)");

  private final HubHttp http;
  private final HubRepos repos;

  FileRequest(HubHttp http) {
    this.http = http;
    this.repos = new HubRepos(http);
  }

  /** GET of the file at {@code commit} from byte {@code from}, following redirects. */
  HttpResponse<InputStream> open(RepoRef ref, String commit, RepoFile file, long from) {
    URI url =
        URI.create(
            http.access().base()
                + ref.urlPath()
                + "/resolve/"
                + commit
                + "/"
                + encode(file.path()));
    String what = "download " + file.path() + " of " + ref.label();
    for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
      HttpRequest.Builder b =
          HttpRequest.newBuilder(url)
              .timeout(http.backoff().attemptTimeout())
              .header("Accept-Encoding", "identity")
              .GET();
      if (from > 0) {
        b.header("Range", "bytes=" + from + "-");
      }
      HttpResponse<InputStream> r = http.open(what, "", b.build(), true, HANDLED);
      int status = r.statusCode();
      if (http.access().sameOrigin(url)) {
        checkHeaders(r, commit, file, ref);
      }
      if (status / 100 == 3) {
        String location = r.headers().firstValue("Location").orElse("");
        closeQuietly(r.body());
        if (location.isEmpty()) {
          throw new HubException(what + ": HTTP " + status + " without a Location", status);
        }
        url = url.resolve(location);
        continue;
      }
      if (status == 401 || status == 403 || status == 404) {
        byte[] text;
        try (InputStream in = r.body()) {
          text = in.readNBytes(1 << 16);
        } catch (IOException e) {
          text = new byte[0];
        }
        throw repos.refusal(ref.at(commit), status, r.headers(), text, file.path());
      }
      return r;
    }
    throw new HubException(what + ": more than " + MAX_REDIRECTS + " redirects", 0);
  }

  /** The Hub's answer must be about our commit and our blob. */
  private static void checkHeaders(HttpResponse<?> r, String commit, RepoFile file, RepoRef ref) {
    String served = r.headers().firstValue("X-Repo-Commit").orElse(null);
    if (served != null && !served.equals(commit)) {
      throw new HubException(
          file.path()
              + " of "
              + ref.label()
              + ": the Hub serves commit "
              + served
              + ", not "
              + commit,
          r.statusCode());
    }
    String etag =
        r.headers()
            .firstValue("X-Linked-Etag")
            .or(
                () ->
                    r.statusCode() / 100 == 3
                        ? java.util.Optional.empty()
                        : r.headers().firstValue("ETag"))
            .map(FileRequest::normalizeEtag)
            .orElse(null);
    if (etag != null
        && (RepoFile.isHex(etag, 40) || RepoFile.isHex(etag, 64))
        && !etag.equals(file.etag())) {
      throw new HubException(
          file.path()
              + " of "
              + ref.label()
              + ": the Hub's ETag is "
              + etag
              + " but its file list says "
              + file.etag(),
          r.statusCode());
    }
  }

  /** {@code W/"abc"} and {@code "abc"} are both {@code abc}, as huggingface_hub reads them. */
  static String normalizeEtag(String etag) {
    String e = etag.strip();
    if (e.startsWith("W/")) {
      e = e.substring(2);
    }
    return e.replace("\"", "");
  }

  static boolean rangeStartsAt(HttpResponse<?> r, long have) {
    if (r.statusCode() != 206) {
      return true;
    }
    Matcher m = CONTENT_RANGE.matcher(r.headers().firstValue("Content-Range").orElse(""));
    return m.matches() && Long.parseLong(m.group(1)) == have;
  }

  static String encode(String path) {
    return Arrays.stream(path.split("/"))
        .map(s -> URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20"))
        .collect(Collectors.joining("/"));
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException e) {
      // a redirect's body is not needed
    }
  }
}
