package io.tunecard.publish;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * One file to publish: where it lies, where it goes in the repository, and the identities the Hub
 * knows it by — the SHA-256 (the LFS oid) and the git blob SHA-1 (the oid of a regular file in the
 * repository tree), so an unchanged file is recognised whichever way it was stored.
 *
 * @param sample the first 512 bytes, which the preupload call sends so the Hub can spot binaries
 */
public record LocalFile(
    String pathInRepo, Path source, long size, String sha256, String gitBlobSha1, byte[] sample) {

  static final int SAMPLE_BYTES = 512;

  public LocalFile {
    if (pathInRepo.isEmpty()
        || pathInRepo.startsWith("/")
        || pathInRepo.contains("\\")
        || Arrays.asList(pathInRepo.split("/")).stream()
            .anyMatch(s -> s.isEmpty() || s.equals(".") || s.equals("..") || s.equals(".git"))) {
      throw new IllegalArgumentException(
          "path in repository: expected a relative path without '.', '..' or '.git' segments,"
              + " found '"
              + pathInRepo
              + "'");
    }
  }

  /** Reads {@code source} once, hashing it both ways. */
  public static LocalFile of(Path source, String pathInRepo) {
    try {
      long size = Files.size(source);
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
      // A git blob id hashes "blob <size>\0" followed by the content.
      sha1.update(("blob " + size + "\0").getBytes(StandardCharsets.US_ASCII));
      byte[] sample = new byte[(int) Math.min(SAMPLE_BYTES, size)];
      int sampled = 0;
      long read = 0;
      try (InputStream in = Files.newInputStream(source)) {
        byte[] buf = new byte[1 << 16];
        int n;
        while ((n = in.read(buf)) > 0) {
          sha256.update(buf, 0, n);
          sha1.update(buf, 0, n);
          if (sampled < sample.length) {
            int take = Math.min(n, sample.length - sampled);
            System.arraycopy(buf, 0, sample, sampled, take);
            sampled += take;
          }
          read += n;
        }
      }
      if (read != size) {
        throw new IOException(source + " changed size while being read");
      }
      HexFormat hex = HexFormat.of();
      return new LocalFile(
          pathInRepo,
          source,
          size,
          hex.formatHex(sha256.digest()),
          hex.formatHex(sha1.digest()),
          sample);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + source + ": " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The bytes of the file (regular files are small; LFS files are streamed, never read whole). */
  byte[] content() {
    try {
      return Files.readAllBytes(source);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + source + ": " + e.getMessage(), e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LocalFile f
        && f.pathInRepo.equals(pathInRepo)
        && f.source.equals(source)
        && f.size == size
        && f.sha256.equals(sha256);
  }

  @Override
  public int hashCode() {
    return pathInRepo.hashCode() * 31 + sha256.hashCode();
  }

  @Override
  public String toString() {
    return "LocalFile[" + pathInRepo + ", " + size + " bytes, sha256 " + sha256 + "]";
  }
}
