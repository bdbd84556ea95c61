package io.tunecard.hub;

import io.tunecard.files.BadInputException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Where the Hub is and how to authenticate, read only from the environment (never from options or
 * the workflow), in the order the {@code huggingface_hub} library uses: {@code HF_TOKEN}, else the
 * file named by {@code HF_TOKEN_PATH}, else {@code $HF_HOME/token}, else {@code
 * ~/.cache/huggingface/token}. The endpoint is {@code HF_ENDPOINT} (default the public Hub).
 *
 * @param tokenSource where the token came from (the variable or file name, never the token)
 */
public record HubAccess(URI endpoint, Optional<HubToken> token, String tokenSource) {
  public static final String DEFAULT_ENDPOINT = "https://huggingface.co";

  public HubAccess {
    if (endpoint == null) {
      throw new IllegalArgumentException("endpoint: missing");
    }
    if (token == null) {
      token = Optional.empty();
    }
  }

  /** Reads {@code env} (pass {@code System.getenv()}; tests pass a map). */
  public static HubAccess fromEnvironment(Map<String, String> env) {
    URI endpoint = endpoint(env.getOrDefault("HF_ENDPOINT", ""));
    String fromVariable = env.get("HF_TOKEN");
    if (fromVariable != null && !fromVariable.isBlank()) {
      return new HubAccess(
          endpoint, Optional.of(token(fromVariable.trim(), "HF_TOKEN")), "HF_TOKEN");
    }
    Path file = tokenFile(env);
    if (Files.isRegularFile(file)) {
      String text;
      try {
        text = Files.readString(file, StandardCharsets.UTF_8).trim();
      } catch (IOException e) {
        throw new BadInputException("cannot read the Hugging Face token file " + file, e);
      }
      if (!text.isEmpty()) {
        return new HubAccess(endpoint, Optional.of(token(text, "token file " + file)), "" + file);
      }
    }
    return new HubAccess(endpoint, Optional.empty(), "none");
  }

  static Path tokenFile(Map<String, String> env) {
    String explicit = env.get("HF_TOKEN_PATH");
    if (explicit != null && !explicit.isBlank()) {
      return Path.of(explicit);
    }
    String home = env.get("HF_HOME");
    if (home != null && !home.isBlank()) {
      return Path.of(home, "token");
    }
    String userHome = env.getOrDefault("HOME", System.getProperty("user.home"));
    return Path.of(userHome, ".cache", "huggingface", "token");
  }

  private static HubToken token(String text, String source) {
    try {
      return new HubToken(text);
    } catch (IllegalArgumentException e) {
      throw new BadInputException(source + ": " + e.getMessage());
    }
  }

  static URI endpoint(String text) {
    String value = text.isBlank() ? DEFAULT_ENDPOINT : text.trim();
    while (value.endsWith("/")) {
      value = value.substring(0, value.length() - 1);
    }
    URI uri;
    try {
      uri = new URI(value);
    } catch (URISyntaxException e) {
      throw new BadInputException("HF_ENDPOINT: not a URL: " + value);
    }
    if (uri.getHost() == null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new BadInputException("HF_ENDPOINT: expected http(s)://host[:port], found " + value);
    }
    if ("http".equals(uri.getScheme()) && !isLoopback(uri.getHost())) {
      // A token must not cross the network in clear text; plain http is for a local test Hub.
      throw new BadInputException(
          "HF_ENDPOINT: plain http is allowed only for a loopback host, found " + value);
    }
    if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
      throw new BadInputException("HF_ENDPOINT: expected an http(s) URL, found " + value);
    }
    return uri;
  }

  public static boolean isLoopback(String host) {
    if (host == null) {
      return false;
    }
    if (host.equals("localhost")) {
      return true;
    }
    try {
      return host.matches("[0-9.]+|\\[[0-9a-fA-F:]+]")
          && InetAddress.getByName(host.replace("[", "").replace("]", "")).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /** The endpoint as text without a trailing slash. */
  public String base() {
    return endpoint.toString();
  }

  /** Whether {@code url} is served by the endpoint itself (same scheme, host and port). */
  public boolean sameOrigin(URI url) {
    return endpoint.getScheme().equalsIgnoreCase(url.getScheme())
        && endpoint.getHost().equalsIgnoreCase(url.getHost())
        && port(endpoint) == port(url);
  }

  private static int port(URI uri) {
    if (uri.getPort() != -1) {
      return uri.getPort();
    }
    return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
  }

  /** Removes the token from {@code text}, if there is one. */
  public String redact(String text) {
    return token.map(t -> t.redact(text)).orElse(text);
  }
}
