package io.tunecard.workflow;

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

  public static final Setting<List<String>> LANGUAGES_KEY =
      Setting.anyOf("languages", List.of("en"), LANGUAGES)
          .help("the first is `README.md`/`index.html`, the others `README.<lang>.md`");
  public static final Setting<String> REPO_ID_KEY =
      Setting.text("repo_id", null)
          .help("`owner/name` the card names in its loading snippet")
          .shown("`null`");
  public static final Setting<String> LICENSE =
      Setting.text("license", "apache-2.0").help("the adapter's licence in the front matter");
  public static final Setting<Integer> SAMPLES =
      Setting.count(
              "samples",
              3,
              0,
              50,
              "each sample shows a question, its reference and"
                  + " every strategy's answer in the card")
          .help("sample generations shown");

  /** This section's keys, in the order docs/workflow.md lists them. */
  public static final List<Setting<?>> SETTINGS =
      List.of(LANGUAGES_KEY, REPO_ID_KEY, LICENSE, SAMPLES);

  public CardSpec {
    languages = List.copyOf(languages);
    Check c = new Check();
    LANGUAGES_KEY.check(c, languages);
    c.matches("repo_id", repoId, REPO_ID, REPO_ID_TEXT).present("license", license);
    SAMPLES.check(c, samples).done();
  }

  static CardSpec read(Section s) {
    return new CardSpec(
        LANGUAGES_KEY.read(s), REPO_ID_KEY.read(s), LICENSE.read(s), SAMPLES.read(s));
  }
}
