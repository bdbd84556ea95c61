package io.tunecard.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tunecard.files.BadInputException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RepoRefTest {
  @Test
  void idsRevisionsAndCacheFoldersFollowHuggingfaceHub() {
    RepoRef m = RepoRef.parse(RepoRef.Type.MODEL, "mistralai/Mistral-7B-Instruct-v0.3", "x");
    assertThat(m.revision()).isEqualTo("main");
    assertThat(m.folder()).isEqualTo("models--mistralai--Mistral-7B-Instruct-v0.3");
    RepoRef d = RepoRef.parse(RepoRef.Type.DATASET, "lavita/MedQuAD@refs/convert/parquet", "x");
    assertThat(d.id()).isEqualTo("lavita/MedQuAD");
    assertThat(d.revision()).isEqualTo("refs/convert/parquet");
    assertThat(d.folder()).isEqualTo("datasets--lavita--MedQuAD");
    assertThat(d.urlPath()).isEqualTo("/datasets/lavita/MedQuAD");
    assertThat(RepoRef.segment(d.revision())).isEqualTo("refs%2Fconvert%2Fparquet");
    assertThat(RepoRef.parse(RepoRef.Type.MODEL, "roberta-large", "x").folder())
        .isEqualTo("models--roberta-large");
    assertThat(RepoRef.parse(RepoRef.Type.MODEL, "org/x@" + "ab".repeat(20), "x").pinned())
        .isTrue();
  }

  @Test
  void badIdsAndRevisionsNameTheKey() {
    for (String bad : List.of("a/b/c", "org--x/y", "../x", "org/x.git", "org/x@", "org/x@a b")) {
      assertThatThrownBy(() -> RepoRef.parse(RepoRef.Type.MODEL, bad, "model.base"))
          .as(bad)
          .isInstanceOf(BadInputException.class)
          .hasMessageStartingWith("model.base: '" + bad + "'");
    }
    assertThat(RepoRef.looksLikeId("runs/quickstart/default/base")).isFalse();
    assertThat(RepoRef.looksLikeId("org/name@v1")).isTrue();
  }

  @Test
  void theCacheRootIsReadAsHuggingfaceHubReadsIt() {
    Path home = Path.of("/home/u");
    assertThat(HubCache.fromEnvironment(Map.of("HF_HUB_CACHE", "/c"), home).root())
        .isEqualTo(Path.of("/c"));
    assertThat(HubCache.fromEnvironment(Map.of("HUGGINGFACE_HUB_CACHE", "/old"), home).root())
        .isEqualTo(Path.of("/old"));
    assertThat(HubCache.fromEnvironment(Map.of("HF_HOME", "/h"), home).root())
        .isEqualTo(Path.of("/h/hub"));
    assertThat(HubCache.fromEnvironment(Map.of("XDG_CACHE_HOME", "/x"), home).root())
        .isEqualTo(Path.of("/x/huggingface/hub"));
    assertThat(HubCache.fromEnvironment(Map.of(), home).root())
        .isEqualTo(Path.of("/home/u/.cache/huggingface/hub"));
  }

  @Test
  void globsMatchAsFnmatchDoes() {
    assertThat(Selection.fnmatch("*.json").matcher("sub/config.json").matches()).isTrue();
    assertThat(
            Selection.fnmatch("model-*.safetensors").matcher("model-00001.safetensors").matches())
        .isTrue();
    assertThat(Selection.fnmatch("data/").matcher("data/train.parquet").matches()).isTrue();
    assertThat(Selection.fnmatch("config.jso?").matcher("config.json").matches()).isTrue();
    assertThat(Selection.fnmatch("[!c]*.json").matcher("config.json").matches()).isFalse();
    assertThat(Selection.fnmatch("a+b.txt").matcher("aab.txt").matches()).isFalse();
  }

  @Test
  void unsafePathsFromTheTreeAreRefused() {
    RepoRef r = RepoRef.parse(RepoRef.Type.MODEL, "org/x", "x");
    for (String bad : List.of("../x", "/etc/passwd", "a/../../b", "a//b", "a\\b", "./a")) {
      assertThatThrownBy(() -> HubCache.checkedPath(bad, r))
          .as(bad)
          .isInstanceOf(HubException.class)
          .hasMessageContaining("not a safe path");
    }
    assertThat(HubCache.checkedPath("data/train.parquet", r)).isEqualTo("data/train.parquet");
  }
}
