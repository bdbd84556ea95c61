package io.tunecard.ingest;

import java.io.Serializable;

/**
 * One input file to parse: a file on disk, or an entry of a zip archive.
 *
 * @param archive absolute path of the zip, or null for a plain file
 * @param path absolute path of the file, or the entry's name inside the zip
 * @param name what rejections and logs call it: the path relative to the input
 * @param size bytes on disk, or the entry's inflated size as the zip declares it
 */
public record SourceFile(String archive, String path, String name, long size)
    implements Serializable {

  private static final long serialVersionUID = 1L;

  public SourceFile {
    if (path == null || name == null) {
      throw new IllegalArgumentException("path and name: required for a source file");
    }
    if (size < 0) {
      throw new IllegalArgumentException("size: expected >= 0, found " + size);
    }
  }

  public boolean inZip() {
    return archive != null;
  }
}
