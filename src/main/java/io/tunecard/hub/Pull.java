package io.tunecard.hub;

import io.tunecard.files.BadInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code tunecard pull}: a repository's files at one commit into the cache. It resolves the
 * revision to a commit, lists the files at that commit, fetches the blobs that are missing (a few
 * at a time, each verified; see {@link BlobDownload}), links each into {@code snapshots/<commit>/}
 * and, last, points {@code refs/<revision>} at the commit. Until then a reader of the cache sees
 * the previous state, so a pull that stops half-way (killed, a full disk, an error) leaves the
 * cache valid and the next pull resumes it.
 */
public final class Pull {
  private final HubHttp http;
  private final HubCache cache;
  private final Progress progress;
  private final int workers;
  private final BlobDownload.Disk disk;

  public Pull(HubHttp http, HubCache cache, Progress progress, int workers) {
    this(http, cache, progress, workers, BlobDownload.Disk.LOCAL);
  }

  Pull(HubHttp http, HubCache cache, Progress progress, int workers, BlobDownload.Disk disk) {
    if (workers < 1) {
      throw new IllegalArgumentException("workers: expected at least 1, found " + workers);
    }
    this.http = http;
    this.cache = cache;
    this.progress = progress;
    this.workers = workers;
    this.disk = disk;
  }

  /** Pulls what {@code selection} takes of {@code ref} and returns the snapshot. */
  public Snapshot pull(RepoRef ref, Selection selection) {
    HubRepos repos = new HubRepos(http);
    String commit = repos.commit(ref);
    List<RepoFile> listing = repos.tree(ref, commit);
    Map<String, RepoFile> byPath = new LinkedHashMap<>();
    listing.forEach(f -> byPath.put(HubCache.checkedPath(f.path(), ref), f));
    String what = "pull " + ref.label() + " at " + commit.substring(0, 12);
    try {
      Set<String> first;
      try {
        first = selection.first(listing);
      } catch (BadInputException e) {
        throw new BadInputException(ref.label() + " at " + commit + ": " + e.getMessage());
      }
      List<RepoFile> wanted = new ArrayList<>(first.stream().map(byPath::get).toList());
      fetch(ref, commit, wanted, what, true);
      Path snapshot = cache.snapshot(ref, commit);
      List<RepoFile> more = new ArrayList<>();
      for (String p : selection.then(listing, snapshot)) {
        if (!first.contains(p)) {
          more.add(byPath.get(p));
        }
      }
      if (!more.isEmpty()) {
        fetch(ref, commit, more, what, false);
        wanted.addAll(more);
      }
      cache.writeRef(ref, commit);
      progress.finish(what);
      List<Snapshot.Entry> entries = new ArrayList<>();
      for (RepoFile f : wanted) {
        entries.add(
            new Snapshot.Entry(
                f.path(),
                f.size(),
                f.lfs() ? f.lfsSha256() : Digests.sha256(cache.blob(ref, f.etag()))));
      }
      entries.sort(java.util.Comparator.comparing(Snapshot.Entry::path));
      return new Snapshot(ref, commit, snapshot, entries);
    } catch (IOException e) {
      if (BlobDownload.isDiskFull(e)) {
        throw new BlobDownload.DiskFullException(
            what + ": the disk holding " + cache.root() + " is full (" + e.getMessage() + ")");
      }
      throw new UncheckedIOException(what + ": " + e.getMessage(), e);
    }
  }

  /** Downloads (or finds) every file and links it into the snapshot, failing on the first error. */
  private void fetch(RepoRef ref, String commit, List<RepoFile> files, String what, boolean begin)
      throws IOException {
    AtomicBoolean cancelled = new AtomicBoolean();
    BlobDownload blobs = new BlobDownload(http, cache, disk, progress, cancelled);
    long missing = 0;
    long partial = 0;
    int count = 0;
    for (RepoFile f : files) {
      if (!blobs.present(ref, f)) {
        long p = blobs.partial(ref, f);
        partial += p;
        missing += f.size() - p;
        count++;
      }
    }
    Path blobDir = cache.repo(ref).resolve("blobs");
    Files.createDirectories(blobDir);
    long usable = disk.usable(blobDir);
    if (missing > usable) {
      throw new BlobDownload.DiskFullException(
          what
              + ": needs "
              + Progress.bytes(missing)
              + " more in "
              + blobDir
              + " but that disk has "
              + Progress.bytes(usable)
              + " free; nothing was downloaded. Free space, or set HF_HUB_CACHE to a larger disk");
    }
    if (begin || count > 0) {
      progress.begin(what, count, missing, partial);
    }
    ExecutorService pool =
        Executors.newFixedThreadPool(
            Math.min(workers, Math.max(1, files.size())),
            r -> {
              Thread t = new Thread(r, "tunecard-pull");
              t.setDaemon(true);
              return t;
            });
    try {
      List<Future<?>> jobs = new ArrayList<>();
      for (RepoFile f : files) {
        jobs.add(
            pool.submit(
                () -> {
                  blobs.fetch(ref, commit, f);
                  cache.link(ref, commit, f.path(), f.etag());
                  return null;
                }));
      }
      RuntimeException failure = null;
      for (Future<?> job : jobs) {
        try {
          job.get();
        } catch (ExecutionException e) {
          cancelled.set(true);
          RuntimeException cause = asRuntime(e.getCause());
          if (failure == null || isCancellation(failure) && !isCancellation(cause)) {
            failure = cause;
          }
        } catch (InterruptedException e) {
          cancelled.set(true);
          Thread.currentThread().interrupt();
          throw new HubException(what + ": interrupted", 0);
        }
      }
      if (failure != null) {
        throw failure;
      }
    } finally {
      pool.shutdown();
    }
  }

  private static boolean isCancellation(RuntimeException e) {
    return e.getMessage() != null && e.getMessage().endsWith("stopped because another file failed");
  }

  private static RuntimeException asRuntime(Throwable t) {
    if (t instanceof RuntimeException r) {
      return r;
    }
    if (t instanceof IOException io) {
      return BlobDownload.isDiskFull(io)
          ? new BlobDownload.DiskFullException(io.getMessage())
          : new UncheckedIOException(io.getMessage(), io);
    }
    return new IllegalStateException(t);
  }
}
