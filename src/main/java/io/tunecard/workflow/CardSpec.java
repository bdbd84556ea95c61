package io.tunecard.workflow;

import java.util.HashSet;
import java.util.List;

/**
 * The model card. The first language is {@code README.md}/{@code index.html}; the others are {@code
 * README.<lang>.md}/{@code index.<lang>.html}.
 */
public record CardSpec(List<String> languages, String repoId, String license, int samples) {

  public static final List<String> LANGUAGES = List.of("es", "en");

  /** A Hub repository id, {@code owner/name}; publishing refuses any other. */
  public static final String REPO_ID = "[A-Za-z0-9][A-Za-z0-9_.\\-]*/[A-Za-z0-9][A-Za-z0-9_.\\-]*";

  public static final String REPO_ID_TEXT = "'owner/name' of letters, digits, '_', '.', '-'";

  public CardSpec {
    languages = List.copyOf(languages);
    Check c = new Check();
    if (languages.isEmpty()) {
      c.fail("languages", "expected at least one of " + LANGUAGES);
    }
    if (new HashSet<>(languages).size() != languages.size()) {
      c.fail("languages", "duplicate entries in " + languages);
    }
    languages.forEach(l -> c.oneOf("languages", l, LANGUAGES));
    c.matches("repo_id", repoId, REPO_ID, REPO_ID_TEXT)
        .present("license", license)
        .between(
            "samples",
            samples,
            0,
            50,
            "each sample shows a question, its reference and"
                + " every strategy's answer in the card")
        .done();
  }

  static CardSpec read(Section s) {
    return new CardSpec(
        s.strings("languages", List.of("en"), LANGUAGES),
        s.string("repo_id", null),
        s.string("license", "apache-2.0"),
        s.integer("samples", 3));
  }
}
