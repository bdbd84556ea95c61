package io.tunecard.rundir;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The content hash of the code that implements a stage: every class file under the given packages
 * (from a classes directory or a jar), so that a change to a stage's code invalidates its cached
 * output and a change elsewhere does not.
 */
public final class CodeVersion {
  private static final Map<String, String> CACHE = new ConcurrentHashMap<>();

  private CodeVersion() {}

  /** sha256 over the sorted (name, bytes) of every class in {@code packages} (dotted names). */
  public static String of(List<String> packages) {
    return CACHE.computeIfAbsent(String.join(",", packages), k -> compute(packages));
  }

  private static String compute(List<String> packages) {
    TreeMap<String, byte[]> files = new TreeMap<>();
    ClassLoader loader = CodeVersion.class.getClassLoader();
    for (String pkg : packages) {
      String dir = pkg.replace('.', '/');
      try {
        for (URL url : java.util.Collections.list(loader.getResources(dir))) {
          collect(url, dir, files);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (var e : files.entrySet()) {
        md.update(e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        md.update((byte) 0);
        md.update(e.getValue());
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void collect(URL url, String dir, TreeMap<String, byte[]> files)
      throws IOException {
    if ("file".equals(url.getProtocol())) {
      Path root;
      try {
        root = Path.of(url.toURI());
      } catch (URISyntaxException e) {
        throw new IOException(e);
      }
      List<Path> found = new ArrayList<>();
      try (Stream<Path> walk = Files.walk(root)) {
        walk.filter(Files::isRegularFile).forEach(found::add);
      }
      for (Path p : found) {
        files.put(
            dir + "/" + root.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p));
      }
    } else if ("jar".equals(url.getProtocol())) {
      JarURLConnection conn = (JarURLConnection) url.openConnection();
      conn.setUseCaches(false);
      try (JarFile jar = conn.getJarFile()) {
        for (JarEntry entry : java.util.Collections.list(jar.entries())) {
          if (!entry.isDirectory() && entry.getName().startsWith(dir + "/")) {
            try (InputStream in = jar.getInputStream(entry)) {
              files.put(entry.getName(), in.readAllBytes());
            }
          }
        }
      }
    }
  }

  /** sha256 of a file, or of a directory's files (relative names and contents, sorted). */
  public static String ofPath(Path path) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      if (Files.isDirectory(path)) {
        List<Path> all;
        try (Stream<Path> walk = Files.walk(path)) {
          all = walk.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path p : all) {
          md.update(
              path.relativize(p).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
          md.update((byte) 0);
          digestFile(md, p);
        }
      } else {
        digestFile(md, path);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void digestFile(MessageDigest md, Path p) throws IOException {
    byte[] buf = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(p)) {
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
    }
  }
}
