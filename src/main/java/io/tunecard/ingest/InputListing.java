package io.tunecard.ingest;

import io.tunecard.files.BadInputException;
import io.tunecard.files.SafePaths;
import io.tunecard.workflow.DatasetSpec;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Finds the files to parse under the input (a directory, a zip, or one export file) and opens them.
 * Zip entries are read in place, never extracted; each is still resolved as if it were, so that a
 * name that would escape its folder (zip-slip) is refused. The zip's entry count and the total
 * inflated size of the entries read are bounded (zip bombs), and every entry is cut off at the size
 * its header declares.
 *
 * <p>(Longer than most files here: folders, zips and the bounds on both are one listing.)
 */
public final class InputListing {
  private InputListing() {}

  /** Where zip entries would land if extracted; never created, only resolved against. */
  private static final Path ZIP_ROOT = Path.of("/tunecard-zip-root");

  /** The files to parse, and the entries refused while listing them. */
  public record Listing(List<SourceFile> files, List<Rejection> refused) {}

  /**
   * Checks the input of {@code config} before any runner starts: the path exists, archives are
   * sane, and an export's format is known. Bad input (missing path, zip bomb, unknown format) is a
   * {@link io.tunecard.files.BadInputException} naming the path.
   */
  public static void check(IngestConfig config) {
    config.kind().check(config, list(config));
  }

  /** Lists the input of {@code config}; a missing or unusable input is bad input. */
  public static Listing list(IngestConfig config) {
    Path input = config.inputPath();
    if (!Files.exists(input)) {
      throw new BadInputException(
          "dataset.path: " + config.inputLabel() + " does not exist (resolved to " + input + ")");
    }
    return config.kind().list(config);
  }

  /** An export is one file. */
  static Listing listExportFile(IngestConfig config) {
    Path input = config.inputPath();
    if (!Files.isRegularFile(input)) {
      throw new BadInputException(
          "dataset.path: "
              + config.inputLabel()
              + " must be a parquet, JSONL or CSV file for hf-export");
    }
    return new Listing(List.of(file(input, input.getFileName().toString())), List.of());
  }

  /** MedQuAD's XML: a directory of its folders or a zip of them. */
  static Listing listXml(IngestConfig config) {
    Path input = config.inputPath();
    String lower = input.getFileName().toString().toLowerCase(Locale.ROOT);
    if (Files.isDirectory(input)) {
      return listDirectory(input, config.maxFileBytes());
    }
    if (lower.endsWith(".zip")) {
      return listZip(
          input, config.maxInflatedBytes(), config.maxZipEntries(), config.maxFileBytes());
    }
    throw new BadInputException(
        "dataset.path: "
            + config.inputLabel()
            + " is neither a directory nor a .zip of MedQuAD's XML folders");
  }

  static Listing listDirectory(Path root) {
    return listDirectory(root, DatasetSpec.DEFAULT_MAX_FILE_BYTES);
  }

  static Listing listDirectory(Path root, long maxFileBytes) {
    List<SourceFile> files = new ArrayList<>();
    List<Rejection> refused = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.comparing(Path::toString)).toList()) {
        String name = root.relativize(p).toString().replace('\\', '/');
        if (!isXml(name)) {
          continue;
        }
        if (Files.isSymbolicLink(p)) {
          refused.add(
              new Rejection(
                  name, -1, "file", null, Rejection.FILE_REFUSED, "a symbolic link; not followed"));
        } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          SourceFile f = file(p, name);
          if (f.size() > maxFileBytes) {
            refused.add(
                new Rejection(
                    name,
                    -1,
                    "file",
                    null,
                    Rejection.FILE_REFUSED,
                    tooLarge(f.size(), maxFileBytes)));
          } else {
            files.add(f);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + root + ": " + e.getMessage(), e);
    }
    return new Listing(files, refused);
  }

  static Listing listZip(Path zip, long maxInflatedBytes, int maxEntries) {
    return listZip(zip, maxInflatedBytes, maxEntries, DatasetSpec.DEFAULT_MAX_FILE_BYTES);
  }

  /**
   * Lists a zip's XML entries. The entries' declared sizes together must stay within {@code
   * maxInflatedBytes} (else the whole zip is refused); an entry larger than {@code maxFileBytes} is
   * refused alone, before anything of it is inflated.
   */
  static Listing listZip(Path zip, long maxInflatedBytes, int maxEntries, long maxFileBytes) {
    List<SourceFile> files = new ArrayList<>();
    List<Rejection> refused = new ArrayList<>();
    String archive = zip.toAbsolutePath().normalize().toString();
    long total = 0;
    int count = 0;
    Set<String> safeDirs = new HashSet<>();
    try (ZipFile z = new ZipFile(zip.toFile())) {
      for (var it = z.entries(); it.hasMoreElements(); ) {
        ZipEntry e = it.nextElement();
        if (++count > maxEntries) {
          throw new BadInputException(
              zip + ": more than " + maxEntries + " zip entries (dataset.max_zip_entries)");
        }
        String name = e.getName();
        if (e.isDirectory() || !isXml(name)) {
          continue;
        }
        String refusal = escapes(name, safeDirs);
        if (refusal != null) {
          refused.add(refusedEntry(name, refusal));
          continue;
        }
        if (e.getSize() < 0) {
          refused.add(refusedEntry(name, "zip entry '" + name + "' does not declare its size"));
          continue;
        }
        total += e.getSize();
        if (total > maxInflatedBytes) {
          throw new BadInputException(
              zip
                  + ": its XML entries inflate to more than "
                  + maxInflatedBytes
                  + " bytes (dataset.max_inflated_bytes); refusing a possible zip bomb");
        }
        if (e.getSize() > maxFileBytes) {
          refused.add(refusedEntry(name, tooLarge(e.getSize(), maxFileBytes)));
          continue;
        }
        files.add(new SourceFile(archive, name, name, e.getSize()));
      }
    } catch (ZipException e) {
      throw new BadInputException(zip + ": not a readable zip archive (" + e.getMessage() + ")");
    } catch (EOFException e) {
      // ZipFile reads past the end of a truncated central directory this way, not as ZipException.
      throw new BadInputException(
          zip + ": not a readable zip archive (its central directory ends early)");
    } catch (IllegalArgumentException e) {
      // ZipFile's own refusal of an entry name that is not valid in the archive's charset.
      throw new BadInputException(
          zip + ": not a readable zip archive (an entry name: " + e.getMessage() + ")");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + zip + ": " + e.getMessage(), e);
    }
    files.sort(Comparator.comparing(SourceFile::name));
    return new Listing(files, refused);
  }

  /**
   * Why the entry would escape the folder it was extracted to, or null. Each directory goes through
   * {@link SafePaths} once; a plain file name (no "..", separator, drive or NUL) inside a directory
   * already found safe cannot escape it, and skipping the repeat saves a resolution (and its file
   * system checks) for each of MedQuAD's 11,000 entries.
   */
  static String escapes(String name, Set<String> safeDirs) {
    int slash = name.lastIndexOf('/');
    String dir = slash < 0 ? "" : name.substring(0, slash);
    String leaf = name.substring(slash + 1);
    boolean plainLeaf =
        !leaf.equals("..")
            && leaf.indexOf('\\') < 0
            && leaf.indexOf(':') < 0
            && leaf.indexOf(0) < 0;
    if (plainLeaf && !dir.isEmpty() && safeDirs.contains(dir)) {
      return null;
    }
    try {
      SafePaths.inside(ZIP_ROOT, name, "zip entry");
    } catch (SafePaths.EscapeException escape) {
      return escape.getMessage();
    }
    if (!dir.isEmpty()) {
      safeDirs.add(dir);
    }
    return null;
  }

  private static String tooLarge(long size, long max) {
    return size
        + " bytes, more than dataset.max_file_bytes ("
        + max
        + "); one XML file is parsed in memory, and MedQuAD's largest is 59956 bytes";
  }

  private static Rejection refusedEntry(String name, String why) {
    return new Rejection(name, -1, "zip entry", null, Rejection.ZIP_ENTRY_REFUSED, why);
  }

  static SourceFile file(Path p, String name) {
    try {
      return new SourceFile(null, p.toAbsolutePath().normalize().toString(), name, Files.size(p));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + p + ": " + e.getMessage(), e);
    }
  }

  private static boolean isXml(String name) {
    return name.toLowerCase(Locale.ROOT).endsWith(".xml");
  }

  /** Opens source files, keeping each zip open for the next entry. Not thread-safe. */
  public static final class Opener implements AutoCloseable {
    private final Map<String, ZipFile> zips = new HashMap<>();

    public InputStream open(SourceFile f) throws IOException {
      if (!f.inZip()) {
        // The XML parser reads in blocks of its own; no extra buffer per file.
        return Files.newInputStream(Path.of(f.path()));
      }
      ZipFile z = zips.get(f.archive());
      if (z == null) {
        z = new ZipFile(f.archive());
        zips.put(f.archive(), z);
      }
      ZipEntry e = z.getEntry(f.path());
      if (e == null) {
        throw new IOException(f.archive() + ": entry " + f.path() + " disappeared");
      }
      try {
        return new Capped(z.getInputStream(e), f.size(), f.name());
      } catch (ZipException bad) {
        throw new EntryRefusedException(
            "zip entry '" + f.name() + "' cannot be inflated (" + bad.getMessage() + ")");
      }
    }

    /**
     * Opens and parses one file with its source's parser ({@link DatasetSource#parser}). A zip
     * entry that cannot be inflated is a rejection; other read errors are failures.
     */
    public Parsed read(SourceFile f, DatasetSource.Parser parser) {
      try (InputStream in = open(f)) {
        return parser.parse(in, f.name());
      } catch (EntryRefusedException e) {
        return new Parsed(List.of(), List.of(refusedEntry(f.name(), e.getMessage())));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + f.name() + ": " + e.getMessage(), e);
      }
    }

    @Override
    public void close() throws IOException {
      IOException first = null;
      for (ZipFile z : zips.values()) {
        try {
          z.close();
        } catch (IOException e) {
          first = first == null ? e : first;
        }
      }
      zips.clear();
      if (first != null) {
        throw first;
      }
    }
  }

  /** Thrown by the stream of a zip entry that overflows; the entry is refused, not parsed. */
  public static final class EntryRefusedException extends IOException {
    private static final long serialVersionUID = 1L;

    public EntryRefusedException(String message) {
      super(message);
    }
  }

  /** Fails once more bytes come out than the zip declared for the entry. */
  static final class Capped extends FilterInputStream {
    private final long limit;
    private final String name;
    private long count;

    Capped(InputStream in, long limit, String name) {
      super(in);
      this.limit = limit;
      this.name = name;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        add(1);
      }
      return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
      int n = super.read(buf, off, len);
      if (n > 0) {
        add(n);
      }
      return n;
    }

    private void add(long n) throws IOException {
      count += n;
      if (count > limit) {
        throw new EntryRefusedException(
            "zip entry '" + name + "' inflates past the " + limit + " bytes its header declares");
      }
    }
  }
}
