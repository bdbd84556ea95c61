package io.tunecard.cluster;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * This JVM's classpath split in two: what travels with every job, and what a TaskManager keeps on
 * its own classpath.
 *
 * <p>The job carries tunecard itself (class folders such as {@code target/classes}, or a {@code
 * tunecard*.jar}) and Apache Beam's jars ({@code beam-*.jar} but its {@code beam-vendor-*} shaded
 * libraries). Beam must live in the job's class loader, next to the pipeline's classes: its {@code
 * SerializableCoder} resolves them through its own class loader, and a {@code TupleTag} declared in
 * a static field takes an id counted per class initialisation, which matches the client's only when
 * every job (and every restart of it) initialises the classes afresh. That is 15 MB per job.
 *
 * <p>The TaskManager keeps everything else but Beam's DirectRunner (Flink, DJL and its libtorch
 * native jar, Jackson, ...): about 280 MB that never travels. Native libraries in particular must
 * be loaded once per process; a job's class loader would load libtorch again for every job and
 * fail.
 */
record Classpath(List<Path> job, List<Path> cluster) {

  Classpath {
    job = List.copyOf(job);
    cluster = List.copyOf(cluster);
  }

  /** The classpath of this JVM ({@code java.class.path}). */
  static Classpath current() {
    return of(System.getProperty("java.class.path", ""));
  }

  static Classpath of(String classPath) {
    List<Path> job = new ArrayList<>();
    List<Path> cluster = new ArrayList<>();
    for (String entry : classPath.split(File.pathSeparator)) {
      if (entry.isBlank()) {
        continue;
      }
      Path p = Path.of(entry).toAbsolutePath().normalize();
      if (!Files.exists(p)) {
        continue;
      }
      if (travelsWithJob(p)) {
        job.add(p);
      } else if (!clientOnly(p)) {
        cluster.add(p);
      }
    }
    return new Classpath(job, cluster);
  }

  static boolean travelsWithJob(Path p) {
    String name = p.getFileName().toString();
    if (Files.isDirectory(p) || name.startsWith("tunecard")) {
      return true;
    }
    return name.startsWith("beam-") && !name.startsWith("beam-vendor-") && !clientOnly(p);
  }

  /**
   * Beam's DirectRunner runs in the client only. It must not sit on a TaskManager's classpath
   * without Beam: Beam's runner lookup (a ServiceLoader through the job's class loader) would find
   * its registration there and fail to link it.
   */
  static boolean clientOnly(Path p) {
    return p.getFileName().toString().startsWith("beam-runners-direct-java");
  }

  static String join(List<Path> entries) {
    List<String> s = new ArrayList<>();
    entries.forEach(p -> s.add(p.toString()));
    return String.join(File.pathSeparator, s);
  }
}
