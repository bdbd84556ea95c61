package io.tunecard.rundir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/** Facts about the code and libraries a run used: git commit and dirty flag, library versions. */
public final class Lineage {
  private Lineage() {}

  /** The commit of the checkout at {@code dir}, and whether it had uncommitted changes. */
  public record Git(String commit, boolean dirty) {}

  /** The git state of {@code dir}, or null when it is not a git checkout (or git is missing). */
  public static Git git(Path dir) {
    String commit = runGit(dir, "rev-parse", "HEAD");
    if (commit == null || commit.isBlank()) {
      return null;
    }
    String status = runGit(dir, "status", "--porcelain", "--untracked-files=no");
    return new Git(commit.strip(), status != null && !status.isBlank());
  }

  private static String runGit(Path dir, String... args) {
    String[] cmd = new String[args.length + 3];
    cmd[0] = "git";
    cmd[1] = "-C";
    cmd[2] = dir.toString();
    System.arraycopy(args, 0, cmd, 3, args.length);
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
      p.getOutputStream().close();
      byte[] out = p.getInputStream().readAllBytes();
      p.getErrorStream().readAllBytes();
      if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
        return null;
      }
      return new String(out, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** Versions of Java and of the libraries on the classpath (read from their Maven metadata). */
  public static Map<String, String> versions() {
    Map<String, String> v = new LinkedHashMap<>();
    v.put("tunecard", mavenVersion("io.tunecard", "tunecard", "0.1.0-SNAPSHOT"));
    v.put("java", System.getProperty("java.version"));
    v.put("beam", mavenVersion("org.apache.beam", "beam-sdks-java-core", null));
    v.put("flink_runner", mavenVersion("org.apache.beam", "beam-runners-flink-1.19", null));
    v.put("djl", jarVersion("ai/djl/engine/Engine.class", "api-"));
    v.put(
        "pytorch_native",
        jarVersion("pytorch/cpu/linux-x86_64/libtorch_cpu.so", "pytorch-native-cpu-"));
    v.put("thymeleaf", jarVersion("org/thymeleaf/TemplateEngine.class", "thymeleaf-"));
    v.put("flexmark", mavenVersion("com.vladsch.flexmark", "flexmark", null));
    v.values().removeIf(x -> x == null);
    return v;
  }

  /** The version in the file name of the jar holding {@code resource} ({@code api-0.36.0.jar}). */
  private static String jarVersion(String resource, String prefix) {
    java.net.URL url = Lineage.class.getClassLoader().getResource(resource);
    if (url == null || !"jar".equals(url.getProtocol())) {
      return null;
    }
    String path = url.getPath();
    int bang = path.indexOf("!/");
    String jar = path.substring(path.lastIndexOf('/', bang) + 1, bang);
    if (!jar.startsWith(prefix) || !jar.endsWith(".jar")) {
      return null;
    }
    String version = jar.substring(prefix.length(), jar.length() - 4);
    int classifier = version.indexOf("-linux");
    return classifier > 0 ? version.substring(0, classifier) : version;
  }

  private static String mavenVersion(String group, String artifact, String fallback) {
    String res = "META-INF/maven/" + group + "/" + artifact + "/pom.properties";
    try (InputStream in = Lineage.class.getClassLoader().getResourceAsStream(res)) {
      if (in == null) {
        return fallback;
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", fallback);
    } catch (IOException e) {
      return fallback;
    }
  }
}
