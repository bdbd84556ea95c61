package io.tunecard.hub;

/**
 * One file of a repository at a commit, as the Hub's tree listing describes it.
 *
 * @param path the path inside the repository ({@code data/train.parquet})
 * @param size bytes
 * @param gitOid the git blob id (sha1 of {@code "blob <size>\0"} and the content) of a regular
 *     file; for an LFS file, the id of its pointer
 * @param lfsSha256 the sha256 of an LFS file's content, or null for a regular file
 */
public record RepoFile(String path, long size, String gitOid, String lfsSha256) {
  public RepoFile {
    if (path == null || path.isEmpty()) {
      throw new IllegalArgumentException("path: missing");
    }
    if (size < 0) {
      throw new IllegalArgumentException("size: expected >= 0, found " + size + " for " + path);
    }
    if (lfsSha256 == null ? !isHex(gitOid, 40) : !isHex(lfsSha256, 64)) {
      throw new IllegalArgumentException(
          "oid: expected a 40-hex git blob id or a 64-hex LFS sha256 for " + path);
    }
  }

  static boolean isHex(String s, int length) {
    return s != null
        && s.length() == length
        && s.chars().allMatch(c -> Character.digit(c, 16) >= 0);
  }

  public boolean lfs() {
    return lfsSha256 != null;
  }

  /**
   * The blob's name in the cache, as {@code huggingface_hub} names it after the Hub's ETag: the
   * sha256 of an LFS file, the git blob id of a regular one.
   */
  public String etag() {
    return lfs() ? lfsSha256 : gitOid;
  }

  /** The file name without folders. */
  public String name() {
    return path.substring(path.lastIndexOf('/') + 1);
  }
}
