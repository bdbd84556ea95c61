package io.tunecard.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tunecard.files.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelLocatorTest {
  static final String ID = "mistralai/Mistral-7B-Instruct-v0.3";
  @TempDir Path tmp;

  static Path modelFiles(Path dir) throws IOException {
    Files.createDirectories(dir);
    for (String f : new String[] {"config.json", "tokenizer.json", "model.safetensors"}) {
      Files.writeString(dir.resolve(f), "{}");
    }
    return dir;
  }

  @Test
  void aLocalDirectoryIsUsedAsItIsAndMustHoldTheModelFiles() throws IOException {
    Path dir = modelFiles(tmp.resolve("m"));
    ModelLocator locator = new ModelLocator(Map.of(), tmp.resolve("home"));
    assertThat(locator.find(dir.toString())).isEqualTo(dir.toAbsolutePath().normalize());
    Files.delete(dir.resolve("tokenizer.json"));
    Files.delete(dir.resolve("model.safetensors"));
    assertThatThrownBy(() -> locator.find(dir.toString()))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("missing tokenizer.json, model.safetensors");
  }

  @Test
  void aHubIdIsFoundInTheCacheThatRefsMainNames() throws IOException {
    Path repo = tmp.resolve("hub/models--mistralai--Mistral-7B-Instruct-v0.3");
    modelFiles(repo.resolve("snapshots/old"));
    Path current = modelFiles(repo.resolve("snapshots/c0ffee"));
    Files.createDirectories(repo.resolve("refs"));
    Files.writeString(repo.resolve("refs/main"), "c0ffee");
    Map<String, String> env = Map.of("HF_HUB_CACHE", tmp.resolve("hub").toString());
    assertThat(new ModelLocator(env, tmp).find(ID)).isEqualTo(current);
    // HF_HOME/hub when HF_HUB_CACHE is not set; ~/.cache/huggingface/hub otherwise
    assertThat(new ModelLocator(Map.of("HF_HOME", tmp.toString()), tmp).find(ID))
        .isEqualTo(current);
    assertThat(new ModelLocator(Map.of(), tmp.resolve("home")).hubCache())
        .isEqualTo(tmp.resolve("home/.cache/huggingface/hub"));
  }

  @Test
  void aRevisionAfterAtPicksThatRefOrCommitOnly() throws IOException {
    Path repo = tmp.resolve("hub/models--mistralai--Mistral-7B-Instruct-v0.3");
    Path main = modelFiles(repo.resolve("snapshots/" + "a".repeat(40)));
    Path tagged = modelFiles(repo.resolve("snapshots/" + "b".repeat(40)));
    Files.createDirectories(repo.resolve("refs"));
    Files.writeString(repo.resolve("refs/main"), "a".repeat(40));
    Files.writeString(repo.resolve("refs/v1"), "b".repeat(40));
    ModelLocator locator =
        new ModelLocator(Map.of("HF_HUB_CACHE", tmp.resolve("hub").toString()), tmp);
    assertThat(locator.find(ID)).isEqualTo(main);
    assertThat(locator.find(ID + "@v1")).isEqualTo(tagged);
    assertThat(locator.find(ID + "@" + "b".repeat(40))).isEqualTo(tagged);
    assertThat(locator.locate(ID + "@v1", "config.json").directory()).contains(tagged);
    assertThatThrownBy(() -> locator.find(ID + "@v2"))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("no snapshot of revision v2")
        .hasMessageContaining("tunecard pull " + ID + "@v2");
  }

  @Test
  void missingWeightsAreNamedWithWhereTheyWereLookedFor() {
    ModelLocator locator = new ModelLocator(Map.of("HF_HOME", tmp.toString()), tmp);
    assertThatThrownBy(() -> locator.find(ID))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("the weights of '" + ID + "' are not present")
        .hasMessageContaining(
            tmp.resolve("hub/models--mistralai--Mistral-7B-Instruct-v0.3/snapshots").toString())
        .hasMessageContaining("downloads nothing");
    assertThatThrownBy(() -> locator.find("no such thing"))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("neither an existing directory nor a Hugging Face Hub id");
  }
}
