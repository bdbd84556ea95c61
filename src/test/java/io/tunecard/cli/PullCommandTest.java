package io.tunecard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.files.Jsonl;
import io.tunecard.hub.FakeDownloadHub;
import io.tunecard.model.Fixtures;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tunecard pull} from a fake Hub on loopback, then {@code tunecard generate --model
 * org/tiny-mistral} with the Hub gone: the answer equals the one from the model's own directory.
 */
class PullCommandTest {
  static final String TOKEN = "hf_cli_pull_token_77";
  @TempDir Path tmp;
  FakeDownloadHub fake;
  String commit;

  @BeforeEach
  void start() throws IOException {
    fake = new FakeDownloadHub(TOKEN);
    Path dir = Fixtures.path("tiny-mistral");
    Map<String, byte[]> files = new TreeMap<>();
    try (Stream<Path> list = Files.list(dir)) {
      for (Path p : list.toList()) {
        files.put(p.getFileName().toString(), Files.readAllBytes(p));
      }
    }
    commit = fake.add("models/org/tiny-mistral", files);
  }

  @AfterEach
  void stop() {
    fake.close();
  }

  Map<String, String> env(String... extra) {
    Map<String, String> env = new HashMap<>();
    env.put("HF_ENDPOINT", fake.endpoint());
    env.put("HF_HUB_CACHE", tmp.resolve("hub").toString());
    env.put("HF_TOKEN", TOKEN);
    for (int i = 0; i < extra.length; i += 2) {
      env.put(extra[i], extra[i + 1]);
    }
    return env;
  }

  static MainTest.Result run(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true), env);
    return new MainTest.Result(code, out.toString(), err.toString());
  }

  static final String[] GENERATE = {"--input-ids", "1,5,9", "--max-new-tokens", "5", "--json"};

  static String[] generate(String model, String... more) {
    String[] args = new String[3 + GENERATE.length + more.length];
    args[0] = "generate";
    args[1] = "--model";
    args[2] = model;
    System.arraycopy(GENERATE, 0, args, 3, GENERATE.length);
    System.arraycopy(more, 0, args, 3 + GENERATE.length, more.length);
    return args;
  }

  @Test
  void pullFillsTheCacheAndGenerateThenRunsWithTheHubGone() throws IOException {
    MainTest.Result pulled = run(env(), "pull", "org/tiny-mistral");
    assertThat(pulled.code()).as(pulled.err()).isZero();
    Path snapshot = tmp.resolve("hub/models--org--tiny-mistral/snapshots/" + commit);
    assertThat(pulled.out().strip()).isEqualTo(snapshot.toString());
    assertThat(pulled.err())
        .contains("token: found (HF_TOKEN)")
        .contains("model.safetensors")
        .contains("verified")
        .doesNotContain(TOKEN);
    assertThat(Files.readString(tmp.resolve("hub/models--org--tiny-mistral/refs/main")))
        .isEqualTo(commit);
    assertThat(Files.isSymbolicLink(snapshot.resolve("model.safetensors"))).isTrue();

    fake.close(); // the network is off from here on
    MainTest.Result fromCache = run(env(), generate("org/tiny-mistral"));
    assertThat(fromCache.code()).as(fromCache.err()).isZero();
    MainTest.Result offline = run(env(), generate("org/tiny-mistral", "--offline"));
    MainTest.Result direct =
        run(env(), generate(Fixtures.path("tiny-mistral").toString(), "--offline"));
    assertThat(direct.code()).as(direct.err()).isZero();
    JsonNode expected = Jsonl.MAPPER.readTree(direct.out());
    assertThat(Jsonl.MAPPER.readTree(fromCache.out())).isEqualTo(expected);
    assertThat(Jsonl.MAPPER.readTree(offline.out())).isEqualTo(expected);
    assertThat(expected.path("token_ids")).hasSize(5);
  }

  @Test
  void generatePullsAMissingModelFirst() throws IOException {
    MainTest.Result r = run(env(), generate("org/tiny-mistral"));
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.err()).contains("org/tiny-mistral is not complete").contains("pulling it");
    assertThat(Jsonl.MAPPER.readTree(r.out()).path("token_ids")).hasSize(5);
  }

  @Test
  void offlineKeepsTheClearErrorAndPullsNothing() {
    MainTest.Result r = run(env(), generate("org/tiny-mistral", "--offline"));
    assertThat(r.code()).isEqualTo(Main.BAD_INPUT);
    assertThat(r.err()).contains("org/tiny-mistral").contains("nothing is downloaded");
    MainTest.Result env = run(env("HF_HUB_OFFLINE", "1"), generate("org/tiny-mistral"));
    assertThat(env.code()).isEqualTo(Main.BAD_INPUT);
    MainTest.Result pull = run(env("HF_HUB_OFFLINE", "1"), "pull", "org/tiny-mistral");
    assertThat(pull.code()).isEqualTo(Main.BAD_INPUT);
    assertThat(pull.err()).contains("HF_HUB_OFFLINE");
    assertThat(fake.requests("/.*")).isEmpty();
  }

  @Test
  void badRepositoriesAndOptionsAreBadInput() {
    MainTest.Result missing = run(env(), "pull", "org/none", "--revision", "v2");
    assertThat(missing.code()).isEqualTo(Main.BAD_INPUT);
    assertThat(missing.err()).contains("org/none").contains("v2").contains("not found");
    MainTest.Result type = run(env(), "pull", "org/tiny-mistral", "--repo-type", "space");
    assertThat(type.code()).isEqualTo(Main.BAD_INPUT);
    assertThat(type.err()).contains("--repo-type: expected model or dataset");
    MainTest.Result glob = run(env(), "pull", "org/tiny-mistral", "--include", "*.bin");
    assertThat(glob.code()).isEqualTo(Main.BAD_INPUT);
    assertThat(glob.err()).contains("no file matches *.bin");
  }

  @Test
  void includeTakesWhatTheGlobsMatch() {
    MainTest.Result r = run(env(), "pull", "org/tiny-mistral", "--include", "*.json");
    assertThat(r.code()).as(r.err()).isZero();
    Path snapshot = Path.of(r.out().strip());
    assertThat(snapshot.resolve("config.json")).exists();
    assertThat(snapshot.resolve("model.safetensors")).doesNotExist();
  }
}
