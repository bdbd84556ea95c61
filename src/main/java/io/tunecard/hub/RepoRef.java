package io.tunecard.hub;

import io.tunecard.files.BadInputException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A Hub repository at a revision: {@code org/name} (or a bare legacy {@code name}) of a model or a
 * dataset, at a branch, tag or commit. Written {@code org/name@revision} in workflow files, as
 * {@code huggingface_hub}'s file system does ({@code hf://datasets/org/name@rev}); without
 * {@code @} the revision is {@code main}.
 *
 * @param type model or dataset
 * @param id {@code org/name} or {@code name}
 * @param revision a branch, tag ({@code main}, {@code refs/convert/parquet}) or a 40-hex commit
 */
public record RepoRef(Type type, String id, String revision) {
  /** The Hub's repository kinds that tunecard reads. */
  public enum Type {
    MODEL,
    DATASET;

    /** {@code models} or {@code datasets}: the API path segment and the cache folder's prefix. */
    public String plural() {
      return name().toLowerCase(Locale.ROOT) + "s";
    }

    public static Type parse(String text) {
      return switch (text) {
        case "model" -> MODEL;
        case "dataset" -> DATASET;
        default ->
            throw new BadInputException(
                "--repo-type: expected model or dataset, found '" + text + "'");
      };
    }
  }

  public static final String MAIN = "main";

  /** huggingface_hub's {@code validate_repo_id}: one or two parts of word characters, - and . */
  private static final Pattern ID = Pattern.compile("([\\w.-]{1,96}/)?[\\w.-]{1,96}");

  private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

  public RepoRef {
    if (type == null) {
      throw new IllegalArgumentException("type: missing");
    }
    if (id == null || !ID.matcher(id).matches()) {
      throw new IllegalArgumentException(
          "repository id: expected org/name (letters, digits, '-', '_', '.'), found '" + id + "'");
    }
    if (id.contains("--")
        || id.contains("..")
        || id.endsWith(".git")
        || id.startsWith("-")
        || id.startsWith(".")
        || id.contains("/.")
        || id.contains("/-")) {
      throw new IllegalArgumentException(
          "repository id: '"
              + id
              + "' may not contain '--' or '..', end in .git or start a part"
              + " with '-' or '.'");
    }
    if (revision == null
        || revision.isEmpty()
        || revision.chars().anyMatch(c -> c <= 0x20 || c == 0x7f)
        || revision.contains("..")
        || revision.startsWith("/")
        || revision.endsWith("/")) {
      throw new IllegalArgumentException(
          "revision: expected a branch, tag or commit (no spaces, no '..'), found '"
              + revision
              + "'");
    }
  }

  /**
   * Reads {@code org/name} or {@code org/name@revision}.
   *
   * @param what the option or key, for the error ("--model", "model.base")
   * @throws BadInputException naming {@code what} and the text when it is not a repository
   */
  public static RepoRef parse(Type type, String text, String what) {
    int at = text == null ? -1 : text.indexOf('@');
    String id = at < 0 ? text : text.substring(0, at);
    String revision = at < 0 ? MAIN : text.substring(at + 1);
    try {
      return new RepoRef(type, id, revision);
    } catch (IllegalArgumentException e) {
      throw new BadInputException(what + ": '" + text + "': " + e.getMessage());
    }
  }

  /** Whether {@code text} reads as a repository id (optionally with {@code @revision}). */
  public static boolean looksLikeId(String text) {
    if (text == null) {
      return false;
    }
    int at = text.indexOf('@');
    String id = at < 0 ? text : text.substring(0, at);
    return ID.matcher(id).matches() && !id.contains("..") && (at < 0 || at < text.length() - 1);
  }

  public RepoRef at(String newRevision) {
    return new RepoRef(type, id, newRevision);
  }

  /** Whether the revision is a full commit id (no ref to resolve or to write). */
  public boolean pinned() {
    return COMMIT.matcher(revision).matches();
  }

  static boolean isCommit(String text) {
    return text != null && COMMIT.matcher(text).matches();
  }

  /** The cache folder: {@code models--org--name} or {@code datasets--org--name}. */
  public String folder() {
    return type.plural() + "--" + id.replace("/", "--");
  }

  /** {@code /api/models/org/name} and the like, relative to the endpoint. */
  String apiPath() {
    return "/api/" + type.plural() + "/" + id;
  }

  /** The prefix of file URLs: none for models, {@code datasets/} for datasets. */
  String urlPath() {
    return (type == Type.DATASET ? "/datasets/" : "/") + id;
  }

  /** The revision as one URL path segment ({@code refs/pr/1} becomes {@code refs%2Fpr%2F1}). */
  static String segment(String revision) {
    return URLEncoder.encode(revision, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** {@code org/name} for a model, {@code dataset org/name} otherwise, with a non-main revision. */
  public String label() {
    String name = revision.equals(MAIN) ? id : id + "@" + revision;
    return type == Type.MODEL ? name : "dataset " + name;
  }

  @Override
  public String toString() {
    return label();
  }
}
