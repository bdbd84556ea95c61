package io.tunecard.card;

import java.util.List;
import java.util.Objects;

/**
 * What the card is about: the base model, the adapter's repository, the data set and how the Hub
 * should file it.
 *
 * @param title the card's title (the adapter's name)
 * @param baseModel the base model's Hub id or path, e.g. {@code mistralai/Mistral-7B-Instruct-v0.3}
 * @param repoId the adapter's Hub repository {@code owner/name}; null when not chosen yet
 * @param license the adapter's licence id, e.g. {@code apache-2.0}
 * @param modelLanguage the language the model reads and writes (ISO 639-1)
 * @param datasetId the data set's Hub id, e.g. {@code lavita/MedQuAD}; null when the data did not
 *     come from the Hub (MedQuAD's original XML)
 * @param datasetName the data set's name, e.g. {@code MedQuAD}
 * @param tags Hub tags
 * @param pipelineTag the Hub pipeline tag, e.g. {@code text-generation}
 */
public record ModelFacts(
    String title,
    String baseModel,
    String repoId,
    String license,
    String modelLanguage,
    String datasetId,
    String datasetName,
    List<String> tags,
    String pipelineTag) {

  /** Adapters are PEFT's format; the Hub shows them as such. */
  public static final String LIBRARY_NAME = "peft";

  public ModelFacts {
    Objects.requireNonNull(title, "title");
    Objects.requireNonNull(baseModel, "baseModel");
    Objects.requireNonNull(license, "license");
    Objects.requireNonNull(modelLanguage, "modelLanguage");
    Objects.requireNonNull(datasetName, "datasetName");
    Objects.requireNonNull(pipelineTag, "pipelineTag");
    tags = List.copyOf(tags);
    if (repoId != null
        && !repoId.matches("[A-Za-z0-9][A-Za-z0-9_.\\-]*/[A-Za-z0-9][A-Za-z0-9_.\\-]*")) {
      throw new IllegalArgumentException("repoId: expected 'owner/name', found '" + repoId + "'");
    }
    if (!modelLanguage.matches("[a-z]{2,3}")) {
      throw new IllegalArgumentException(
          "modelLanguage: expected an ISO 639 code, found '" + modelLanguage + "'");
    }
  }

  /** The repository id a reader should load; a placeholder when none was chosen. */
  public String repoIdOrPlaceholder() {
    return repoId != null ? repoId : "your-name/" + title;
  }
}
