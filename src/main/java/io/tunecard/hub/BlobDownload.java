package io.tunecard.hub;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Brings one blob into the cache: under the blob's lock, it resumes {@code <etag>.incomplete} (or
 * starts it) with a {@link FileRequest}, hashes the bytes as they arrive, and moves the file to
 * {@code blobs/<etag>} only when its sha256 (LFS) or git blob id (regular file) matches. A dropped
 * or stalled connection resumes where it stopped; a download whose digest does not match is deleted
 * and fetched again, at most {@value #CORRUPT_ATTEMPTS} times; a full disk stops the pull and keeps
 * the partial file. Nothing unverified ever gets a blob's name.
 *
 * <p>A little over 300 lines: the resume, verification and disk-full paths of one transfer share
 * its state (bytes written, the digest of exactly those bytes) and read best together.
 */
final class BlobDownload {
  static final int CORRUPT_ATTEMPTS = 3;
  private static final ScheduledExecutorService WATCHDOG =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "tunecard-download-watchdog");
            t.setDaemon(true);
            return t;
          });

  /** Where the bytes go; tests substitute a disk that fills up. */
  interface Disk {
    OutputStream append(Path file) throws IOException;

    long usable(Path dir) throws IOException;

    Disk LOCAL =
        new Disk() {
          @Override
          public OutputStream append(Path file) throws IOException {
            return new FileOutputStream(file.toFile(), true);
          }

          @Override
          public long usable(Path dir) throws IOException {
            return Files.getFileStore(dir).getUsableSpace();
          }
        };
  }

  /** The disk is full: the pull stops; the partial file stays for a later resume. */
  static final class DiskFullException extends HubException {
    private static final long serialVersionUID = 1L;

    DiskFullException(String message) {
      super(message, 0);
    }
  }

  private final HubHttp http;
  private final FileRequest request;
  private final HubCache cache;
  private final Disk disk;
  private final Progress progress;
  private final AtomicBoolean cancelled;

  BlobDownload(
      HubHttp http, HubCache cache, Disk disk, Progress progress, AtomicBoolean cancelled) {
    this.http = http;
    this.request = new FileRequest(http);
    this.cache = cache;
    this.disk = disk;
    this.progress = progress;
    this.cancelled = cancelled;
  }

  /** Whether the blob is in place (its size checked; its content was verified when it arrived). */
  boolean present(RepoRef ref, RepoFile file) {
    Path blob = cache.blob(ref, file.etag());
    try {
      return Files.isRegularFile(blob) && Files.size(blob) == file.size();
    } catch (IOException e) {
      return false;
    }
  }

  /** Bytes of an interrupted download of this blob already on disk. */
  long partial(RepoRef ref, RepoFile file) {
    try {
      Path p = cache.incomplete(ref, file.etag());
      return Files.isRegularFile(p) ? Math.min(Files.size(p), file.size()) : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  /** Makes {@code blobs/<etag>} hold {@code file}'s verified bytes and returns its path. */
  Path fetch(RepoRef ref, String commit, RepoFile file) throws IOException {
    Path blob = cache.blob(ref, file.etag());
    if (present(ref, file)) {
      return blob;
    }
    Files.createDirectories(blob.getParent());
    try (BlobLock lock =
        BlobLock.acquire(cache.lock(ref, file.etag()), file.path(), progress::note)) {
      if (present(ref, file)) {
        return blob; // another process or thread finished it while we waited
      }
      Files.deleteIfExists(blob); // a blob of the wrong size is not the file it names
      Path part = cache.incomplete(ref, file.etag());
      Progress.Bar bar = progress.file(file.path(), file.size(), partial(ref, file));
      for (int attempt = 1; ; attempt++) {
        String digest = download(ref, commit, file, part, bar);
        if (digest.equals(file.etag())) {
          try (RandomAccessFile f = new RandomAccessFile(part.toFile(), "rw")) {
            f.getFD().sync();
          }
          Files.move(part, blob, StandardCopyOption.ATOMIC_MOVE);
          bar.done();
          return blob;
        }
        Files.deleteIfExists(part);
        bar.reset();
        String why =
            file.path()
                + ": the downloaded bytes do not match (their "
                + (file.lfs() ? "sha256 is " : "git blob id is ")
                + digest
                + ", the Hub lists "
                + file.etag()
                + ")";
        if (attempt >= CORRUPT_ATTEMPTS) {
          throw new HubException(
              why + "; refused after " + attempt + " attempts, nothing was put in the cache", 0);
        }
        progress.note("  " + why + "; the file was deleted and is downloaded again");
      }
    }
  }

  /** How far a download has come: bytes written, and the digest of exactly those bytes. */
  private static final class State {
    long have;
    MessageDigest md;

    void restart(RepoFile file) {
      have = 0;
      md = Digests.start(file);
    }
  }

  /** Completes {@code part} and returns the digest of its content. */
  private String download(RepoRef ref, String commit, RepoFile file, Path part, Progress.Bar bar)
      throws IOException {
    if (!Files.exists(part)) {
      Files.createFile(part);
    }
    State st = new State();
    st.restart(file);
    st.have = Files.size(part);
    if (st.have > file.size()) {
      truncate(part, 0);
      bar.reset();
      st.restart(file);
    }
    Digests.feed(st.md, part, st.have);
    int failures = 0;
    while (st.have < file.size()) {
      if (cancelled.get()) {
        throw new HubException(file.path() + ": stopped because another file failed", 0);
      }
      long before = st.have;
      try {
        HttpResponse<InputStream> r = request.open(ref, commit, file, st.have);
        boolean fromZero = r.statusCode() == 200 && st.have > 0;
        if (fromZero || r.statusCode() == 416 || !FileRequest.rangeStartsAt(r, st.have)) {
          // The server will not continue at our offset: the file starts over.
          truncate(part, 0);
          bar.reset();
          st.restart(file);
          if (!fromZero) {
            r.body().close();
            continue;
          }
        }
        copy(r.body(), part, file, st, bar);
        failures = 0;
      } catch (IOException e) {
        truncateQuietly(part, st.have);
        if (isDiskFull(e)) {
          throw new DiskFullException(
              "the disk holding "
                  + cache.root()
                  + " is full ("
                  + e.getMessage()
                  + ") while writing "
                  + file.path()
                  + " at "
                  + st.have
                  + " of "
                  + file.size()
                  + " bytes; the partial file "
                  + part
                  + " is kept and the next pull resumes it. Free space, or set HF_HUB_CACHE to a"
                  + " larger disk");
        }
        failures = st.have > before ? 1 : failures + 1;
        if (failures >= http.backoff().maxAttempts()) {
          throw new HubException(
              file.path()
                  + ": the download failed "
                  + failures
                  + " times in a row without progress ("
                  + http.clean(String.valueOf(e.getMessage()))
                  + "); "
                  + st.have
                  + " of "
                  + file.size()
                  + " bytes are kept in "
                  + part
                  + " for the next pull",
              0);
        }
        var wait = http.backoff().exponential(failures);
        progress.note(
            String.format(
                "  %s: %s at %d of %d bytes; resuming in %.1f s",
                file.path(),
                http.clean(String.valueOf(e.getMessage())),
                st.have,
                file.size(),
                wait.toMillis() / 1000.0));
        try {
          http.backoff().sleeper().sleep(wait);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new HubException(file.path() + ": interrupted", 0);
        }
      }
    }
    return Digests.hex(st.md);
  }

  /**
   * Streams the body into {@code part}, feeding the digest only with bytes that were written; a
   * body that stops sending for the attempt timeout is closed, which ends the read with an error.
   */
  private void copy(InputStream body, Path part, RepoFile file, State st, Progress.Bar bar)
      throws IOException {
    AtomicLong last = new AtomicLong(System.nanoTime());
    AtomicBoolean stalled = new AtomicBoolean();
    long limit = http.backoff().attemptTimeout().toNanos();
    long tick = Math.min(limit, 1_000_000_000L);
    var watch =
        WATCHDOG.scheduleWithFixedDelay(
            () -> {
              if (System.nanoTime() - last.get() > limit && stalled.compareAndSet(false, true)) {
                closeQuietly(body);
              }
            },
            tick,
            tick,
            TimeUnit.NANOSECONDS);
    byte[] buf = new byte[1 << 16];
    try (body;
        OutputStream out = disk.append(part)) {
      while (st.have < file.size()) {
        if (cancelled.get()) {
          throw new HubException(file.path() + ": stopped because another file failed", 0);
        }
        int n;
        try {
          n = body.read(buf, 0, (int) Math.min(buf.length, file.size() - st.have));
        } catch (IOException e) {
          throw stalled.get()
              ? new IOException(
                  "no data for " + http.backoff().attemptTimeout().toSeconds() + " s", e)
              : e;
        }
        if (n < 0) {
          throw new IOException("the connection closed early");
        }
        out.write(buf, 0, n);
        st.md.update(buf, 0, n);
        st.have += n;
        last.set(System.nanoTime());
        bar.add(n);
      }
      out.flush();
    } finally {
      watch.cancel(false);
    }
  }

  static boolean isDiskFull(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t.getMessage();
      if (m != null
          && (m.contains("No space left on device") || m.contains("Disk quota exceeded"))) {
        return true;
      }
    }
    return false;
  }

  private static void truncate(Path part, long size) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(part.toFile(), "rw")) {
      f.setLength(size);
    }
  }

  /** Cuts bytes that were written but not hashed (a write that failed half-way). */
  private static void truncateQuietly(Path part, long size) {
    try {
      if (Files.size(part) > size) {
        truncate(part, size);
      }
    } catch (IOException e) {
      // the next attempt measures the file again and hashes what is there
    }
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException e) {
      // a redirect's body is not needed
    }
  }
}
