package io.tunecard.files;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Builds paths from values that come from workflow files, archives or data, refusing any that would
 * leave their parent folder: absolute paths, {@code ..} segments and symbolic links.
 */
public final class SafePaths {
  private SafePaths() {}

  /** Thrown when a path built from untrusted input would escape its parent. */
  public static final class EscapeException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public EscapeException(String message) {
      super(message);
    }
  }

  /**
   * Resolves {@code relative} inside {@code parent}. {@code what} names the value in the error
   * (e.g. "zip entry" or "reports/<name>").
   */
  public static Path inside(Path parent, String relative, String what) {
    if (relative == null || relative.isEmpty()) {
      throw new EscapeException(what + ": empty path");
    }
    if (relative.indexOf('\0') >= 0) {
      throw new EscapeException(what + " '" + relative + "': contains a NUL character");
    }
    String unified = relative.replace('\\', '/');
    if (unified.startsWith("/") || unified.matches("^[A-Za-z]:.*")) {
      throw new EscapeException(what + " '" + relative + "': absolute paths are not allowed here");
    }
    for (String seg : unified.split("/")) {
      if (seg.equals("..")) {
        throw new EscapeException(what + " '" + relative + "': '..' is not allowed here");
      }
    }
    Path base = parent.toAbsolutePath().normalize();
    Path target = base.resolve(unified).normalize();
    if (!target.startsWith(base)) {
      throw new EscapeException(what + " '" + relative + "': leaves " + parent);
    }
    Path cur = base;
    for (Path seg : base.relativize(target)) {
      cur = cur.resolve(seg);
      if (Files.isSymbolicLink(cur)) {
        throw new EscapeException(
            what + " '" + relative + "': " + cur + " is a symbolic link, which is not followed");
      }
      if (!Files.exists(cur, LinkOption.NOFOLLOW_LINKS)) {
        break;
      }
    }
    return target;
  }
}
