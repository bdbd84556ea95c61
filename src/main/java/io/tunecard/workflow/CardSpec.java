package io.tunecard.workflow;

import java.util.HashSet;
import java.util.List;

/**
 * The model card. The first language is {@code README.md}/{@code index.html}; the others are {@code
 * README.<lang>.md}/{@code index.<lang>.html}.
 */
public record CardSpec(List<String> languages, String repoId, String license, int samples) {

  public static final List<String> LANGUAGES = List.of("es", "en");

  public CardSpec {
    languages = List.copyOf(languages);
    if (languages.isEmpty()) {
      throw new IllegalArgumentException("languages: expected at least one of " + LANGUAGES);
    }
    if (new HashSet<>(languages).size() != languages.size()) {
      throw new IllegalArgumentException("languages: duplicate entries in " + languages);
    }
    languages.forEach(l -> Check.oneOf("languages", l, LANGUAGES));
    if (repoId != null
        && !repoId.matches("[A-Za-z0-9][A-Za-z0-9_.\\-]*/[A-Za-z0-9][A-Za-z0-9_.\\-]*")) {
      throw new IllegalArgumentException(
          "repo_id: expected 'owner/name' of letters, digits, '_', '.', '-', found '"
              + repoId
              + "'");
    }
    Check.present("license", license);
    Check.atLeast("samples", samples, 0);
  }

  static CardSpec read(Section s) {
    return new CardSpec(
        s.strings("languages", List.of("en"), LANGUAGES),
        s.string("repo_id", null),
        s.string("license", "apache-2.0"),
        s.integer("samples", 3));
  }
}
