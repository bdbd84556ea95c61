package io.tunecard.hub;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The digest that proves a blob's content: sha256 for an LFS file, the git blob id (sha1 over
 * {@code "blob <size>\0"} then the bytes) for a regular one. Fed as the bytes arrive, so that a
 * download is checked without reading it twice.
 */
final class Digests {
  private Digests() {}

  /** A fresh digest for {@code file}'s expected content, the git header already fed. */
  static MessageDigest start(RepoFile file) {
    try {
      if (file.lfs()) {
        return MessageDigest.getInstance("SHA-256");
      }
      MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
      sha1.update(("blob " + file.size() + "\0").getBytes(StandardCharsets.US_ASCII));
      return sha1;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String hex(MessageDigest md) {
    return HexFormat.of().formatHex(md.digest());
  }

  /** Feeds the first {@code length} bytes of {@code path} (a partial download being resumed). */
  static void feed(MessageDigest md, Path path, long length) throws IOException {
    byte[] buf = new byte[1 << 16];
    long left = length;
    try (InputStream in = Files.newInputStream(path)) {
      while (left > 0) {
        int n = in.read(buf, 0, (int) Math.min(buf.length, left));
        if (n < 0) {
          throw new IOException(path + ": shorter than " + length + " bytes");
        }
        md.update(buf, 0, n);
        left -= n;
      }
    }
  }

  /** The sha256 of a whole file. */
  static String sha256(Path path) throws IOException {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      feed(md, path, Files.size(path));
      return hex(md);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
