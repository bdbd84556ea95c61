package io.tunecard.hub;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.files.Jsonl;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Sends one Hub request with bounded retries, for publishing and for downloads. Retried: 429, 5xx,
 * and I/O failures (a dropped connection, a timeout); 401/403 fail at once, and so does a host name
 * that does not resolve. The token goes only to the endpoint's own origin — never to the storage
 * URLs that LFS batches and download redirects hand out — and is scrubbed from every message.
 */
public final class HubHttp {
  /** A response whose status the caller accepted. */
  public record Reply(int status, HttpHeaders headers, byte[] body) {
    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    public JsonNode json(String what) {
      try {
        return Jsonl.MAPPER.readTree(body);
      } catch (IOException e) {
        throw new HubException(what + ": the Hub answered with malformed JSON", status);
      }
    }
  }

  private final HubAccess access;
  private final Backoff backoff;
  private final HttpClient client;
  private final Consumer<String> notes;

  public HubHttp(HubAccess access, Backoff backoff, Consumer<String> notes) {
    this.access = access;
    this.backoff = backoff;
    this.notes = notes;
    // HTTP/1.1 everywhere (S3 pre-signed URLs speak it); redirects are not followed, so a
    // redirect can never carry the Authorization header to another host.
    this.client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(30))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  public HubAccess access() {
    return access;
  }

  public Backoff backoff() {
    return backoff;
  }

  /**
   * Sends {@code request}, retrying as documented above.
   *
   * @param what the call, for messages ("commit to owner/name")
   * @param onUnauthorized what a 401/403 means for this call
   * @param withToken add {@code Authorization: Bearer} when the URL is the endpoint's own origin
   * @param accepted statuses besides 2xx that the caller handles itself (404, 409, ...)
   */
  public Reply send(
      String what,
      String onUnauthorized,
      HttpRequest request,
      boolean withToken,
      Set<Integer> accepted) {
    HttpResponse<byte[]> r =
        exchange(
            what,
            onUnauthorized,
            request,
            withToken,
            accepted,
            HttpResponse.BodyHandlers.ofByteArray(),
            b -> b);
    return new Reply(notFoundInDisguise(r, accepted) ? 404 : r.statusCode(), r.headers(), r.body());
  }

  /**
   * As {@link #send}, but an accepted answer's body is left as a stream for the caller to read and
   * close (a file download). Only the answer's head is covered by the retries: a connection that
   * drops while the body streams is the caller's to resume.
   */
  public HttpResponse<InputStream> open(
      String what,
      String onUnauthorized,
      HttpRequest request,
      boolean withToken,
      Set<Integer> accepted) {
    return exchange(
        what,
        onUnauthorized,
        request,
        withToken,
        accepted,
        HttpResponse.BodyHandlers.ofInputStream(),
        HubHttp::errorBody);
  }

  /** Whether the host name did not resolve (the cause chain holds the resolver's failure). */
  private static boolean unresolved(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof UnresolvedAddressException || t instanceof java.net.UnknownHostException) {
        return true;
      }
    }
    return false;
  }

  /** At most 64 KiB of an error answer's body; the stream is closed. */
  private static byte[] errorBody(InputStream in) {
    try (in) {
      return in.readNBytes(1 << 16);
    } catch (IOException e) {
      return new byte[0];
    }
  }

  /**
   * The Hub answers 401 for a repository it will not confirm exists (missing, or private to
   * others); a caller that handles 404 gets that meaning.
   */
  private static boolean notFoundInDisguise(HttpResponse<?> r, Set<Integer> accepted) {
    return (r.statusCode() == 401 || r.statusCode() == 403)
        && !accepted.contains(r.statusCode())
        && accepted.contains(404)
        && r.headers().firstValue("X-Error-Code").orElse("").equals("RepoNotFound");
  }

  private <T> HttpResponse<T> exchange(
      String what,
      String onUnauthorized,
      HttpRequest request,
      boolean withToken,
      Set<Integer> accepted,
      HttpResponse.BodyHandler<T> handler,
      Function<T, byte[]> bodyOfError) {
    HttpRequest signed = sign(request, withToken);
    String last = "";
    for (int attempt = 1; ; attempt++) {
      HttpResponse<T> response;
      try {
        response = client.send(signed, handler);
      } catch (IOException e) {
        last =
            e.getClass().getSimpleName()
                + clean(e.getMessage() == null ? "" : ": " + e.getMessage());
        if (unresolved(e)) {
          // A name that does not resolve will not resolve in a second either.
          throw new HubException(
              what
                  + ": cannot reach "
                  + access.base()
                  + ": its name does not resolve (no network? HF_HUB_OFFLINE=1 works offline)",
              0);
        }
        if (attempt >= backoff.maxAttempts()) {
          throw new HubException(
              what + ": no response after " + attempt + " attempts (" + last + ")", 0);
        }
        pause(what, last, backoff.exponential(attempt), attempt);
        continue;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new HubException(what + ": interrupted", 0);
      }
      int status = response.statusCode();
      if (status / 100 == 2
          || accepted.contains(status)
          || notFoundInDisguise(response, accepted)) {
        return response;
      }
      String says = serverSays(response.headers(), bodyOfError.apply(response.body()));
      if (status == 401 || status == 403) {
        throw new HubException.Unauthorized(
            what + ": HTTP " + status + ": " + onUnauthorized + says, status);
      }
      if (status != 429 && status / 100 != 5) {
        throw new HubException(what + ": HTTP " + status + says, status);
      }
      if (attempt >= backoff.maxAttempts()) {
        throw new HubException(
            what + ": HTTP " + status + " after " + attempt + " attempts" + says, status);
      }
      Duration wait = backoff.hint(response.headers());
      if (wait == null) {
        wait = backoff.exponential(attempt);
      } else if (wait.compareTo(backoff.longestHint()) > 0) {
        throw new HubException(
            what
                + ": HTTP "
                + status
                + ": the Hub asks to wait "
                + wait.toSeconds()
                + " s, longer than "
                + backoff.longestHint().toSeconds()
                + " s; try again later"
                + says,
            status);
      }
      pause(what, "HTTP " + status, wait, attempt);
    }
  }

  private void pause(String what, String why, Duration wait, int attempt) {
    notes.accept(
        String.format(
            "%s: %s; retrying in %.1f s (attempt %d of %d)",
            what, why, wait.toMillis() / 1000.0, attempt + 1, backoff.maxAttempts()));
    try {
      backoff.sleeper().sleep(wait);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HubException(what + ": interrupted while waiting to retry", 0);
    }
  }

  private HttpRequest sign(HttpRequest request, boolean withToken) {
    HttpRequest.Builder b = HttpRequest.newBuilder(request, (name, value) -> true);
    b.setHeader("User-Agent", "tunecard/" + version());
    if (withToken && access.token().isPresent() && access.sameOrigin(request.uri())) {
      b.setHeader("Authorization", access.token().get().bearer());
    }
    return b.build();
  }

  private static String version() {
    String v = HubHttp.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  /** The server's explanation: its X-Error-Message header or a short, redacted body excerpt. */
  public String serverSays(HttpHeaders headers, byte[] body) {
    String text =
        headers
            .firstValue("X-Error-Message")
            .orElse(new String(body == null ? new byte[0] : body, StandardCharsets.UTF_8));
    text = clean(text.strip());
    if (text.length() > 300) {
      text = text.substring(0, 300) + "...";
    }
    return text.isEmpty() ? "" : " (the Hub says: " + text + ")";
  }

  /** Redacts the token and drops control characters, so server text is safe to print. */
  public String clean(String text) {
    return access.redact(text).replaceAll("[\\p{Cntrl}&&[^\\n\\t]]", "?");
  }
}
