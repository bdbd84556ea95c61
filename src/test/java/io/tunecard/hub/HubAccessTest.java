package io.tunecard.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tunecard.files.BadInputException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HubAccessTest {
  static final String T = "hf_abcdefSECRET123";
  @TempDir Path tmp;

  private Path write(String relative, String text) throws Exception {
    Path p = tmp.resolve(relative);
    Files.createDirectories(p.getParent());
    Files.writeString(p, text);
    return p;
  }

  @Test
  void hfTokenWinsOverEveryFile() throws Exception {
    Path file = write("explicit/token", "hf_fromfile\n");
    var a =
        HubAccess.fromEnvironment(
            Map.of(
                "HF_TOKEN",
                " " + T + "\n",
                "HF_TOKEN_PATH",
                file.toString(),
                "HOME",
                tmp.toString()));
    assertThat(a.tokenSource()).isEqualTo("HF_TOKEN");
    assertThat(a.token().orElseThrow().bearer()).isEqualTo("Bearer " + T);
  }

  @Test
  void thenTheTokenPathThenHfHomeThenTheUserCache() throws Exception {
    Path explicit = write("explicit/token", "hf_one\n");
    write("hfhome/token", "hf_two\n");
    write("home/.cache/huggingface/token", "hf_three\n");
    String home = tmp.resolve("home").toString();
    String hfHome = tmp.resolve("hfhome").toString();

    assertThat(
            bearer(Map.of("HF_TOKEN_PATH", explicit.toString(), "HF_HOME", hfHome, "HOME", home)))
        .isEqualTo("Bearer hf_one");
    assertThat(bearer(Map.of("HF_HOME", hfHome, "HOME", home))).isEqualTo("Bearer hf_two");
    assertThat(bearer(Map.of("HOME", home))).isEqualTo("Bearer hf_three");
    assertThat(HubAccess.fromEnvironment(Map.of("HOME", tmp.resolve("none").toString())).token())
        .isEmpty();
  }

  private static String bearer(Map<String, String> env) {
    return HubAccess.fromEnvironment(env).token().orElseThrow().bearer();
  }

  @Test
  void endpointDefaultsToThePublicHubAndLosesItsTrailingSlash() {
    var none = Map.of("HOME", tmp.toString());
    assertThat(HubAccess.fromEnvironment(none).base()).isEqualTo("https://huggingface.co");
    assertThat(
            HubAccess.fromEnvironment(
                    Map.of("HOME", tmp.toString(), "HF_ENDPOINT", "https://hub.example.org/"))
                .base())
        .isEqualTo("https://hub.example.org");
  }

  @Test
  void plainHttpIsOnlyForALoopbackHub() {
    assertThat(HubAccess.endpoint("http://127.0.0.1:8080").getPort()).isEqualTo(8080);
    assertThat(HubAccess.endpoint("http://localhost:1").getHost()).isEqualTo("localhost");
    assertThatThrownBy(() -> HubAccess.endpoint("http://hub.example.org"))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("plain http is allowed only for a loopback host");
    assertThatThrownBy(() -> HubAccess.endpoint("ftp://x.org"))
        .isInstanceOf(BadInputException.class);
  }

  @Test
  void theTokenNeverShowsInStringsAndIsRedactedFromText() {
    var a = HubAccess.fromEnvironment(Map.of("HF_TOKEN", T, "HOME", tmp.toString()));
    assertThat(a.toString()).doesNotContain(T).contains("[redacted]");
    assertThat(a.redact("server said: bad token " + T + "!"))
        .isEqualTo("server said: bad token [redacted]!");
  }

  @Test
  void aTokenWithWhitespaceInsideIsRefusedWithoutEchoingIt() {
    assertThatThrownBy(
            () -> HubAccess.fromEnvironment(Map.of("HF_TOKEN", "hf_a b", "HOME", tmp.toString())))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("HF_TOKEN")
        .hasMessageNotContaining("hf_a b");
  }

  @Test
  void sameOriginComparesSchemeHostAndPort() {
    var a = new HubAccess(URI.create("https://huggingface.co"), java.util.Optional.empty(), "none");
    assertThat(a.sameOrigin(URI.create("https://huggingface.co:443/api/x"))).isTrue();
    assertThat(a.sameOrigin(URI.create("https://huggingface.co/x.git/info/lfs"))).isTrue();
    assertThat(a.sameOrigin(URI.create("https://s3.amazonaws.com/x"))).isFalse();
    assertThat(a.sameOrigin(URI.create("http://huggingface.co/x"))).isFalse();
    assertThat(a.sameOrigin(URI.create("https://huggingface.co:8443/x"))).isFalse();
  }
}
