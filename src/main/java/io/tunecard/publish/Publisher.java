package io.tunecard.publish;

import io.tunecard.files.BadInputException;
import io.tunecard.hub.Backoff;
import io.tunecard.hub.HubAccess;
import io.tunecard.hub.HubException;
import io.tunecard.rundir.ManifestFile;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.workflow.Workflow;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Publishes a run's card and adapter to the Hub as one commit, after its gate passes.
 *
 * <p>Order: the gate (bounds from eval/metrics.json; the published card only for beat_published);
 * then whoami, the repository (created when missing), its head and tree; files identical on the Hub
 * are left out, and when none is left nothing is committed ("already published"). Preupload picks
 * regular or LFS per file; LFS objects the Hub lacks are uploaded and verified; then one NDJSON
 * commit whose {@code parentCommit} is the head read before, so a concurrent change fails rather
 * than being overwritten. A rerun after any failure repeats only what is missing.
 */
public final class Publisher {
  /**
   * What to publish where.
   *
   * @param repoId owner/name; may be null only for a dry run, which then asks the Hub nothing
   */
  public record Request(
      RunDirectory run, Path reportsDir, Workflow workflow, String repoId, boolean dryRun) {
    public Request {
      if (repoId == null && !dryRun) {
        throw new IllegalArgumentException("repoId: required unless dry run");
      }
    }
  }

  private final HubAccess access;
  private final HubClient client;
  private final PublishPrinter print;

  public Publisher(HubAccess access, Backoff backoff, PrintWriter out) {
    this.access = access;
    this.print = new PublishPrinter(out, access);
    this.client = new HubClient(access, backoff, print::note);
  }

  public PublishResult publish(Request r) {
    EvalMetrics metrics = EvalMetrics.read(r.run().evalMetrics());
    String best = metrics.bestCheckpoint();
    List<LocalFile> files = PublishFiles.collect(r.reportsDir(), r.run(), best);
    String summary = r.workflow().publish().message();
    String description = description(r, best, files);
    Gate gate =
        new Gate(
            metrics,
            r.workflow().eval().strategies().get(0).name(),
            readString(r.reportsDir().resolve("README.md")));
    GateResult verdict = gate.evaluate(r.workflow().publish().gate(), published(r.repoId()));
    if (r.dryRun()) {
      Plan plan = planDryRun(r.repoId(), files);
      print.dryRun(r.repoId(), summary, description, plan, verdict);
      return new PublishResult(
          PublishResult.Status.DRY_RUN,
          r.repoId(),
          null,
          null,
          verdict,
          plan.entries(),
          plan.rule());
    }
    if (!verdict.passed()) {
      print.gate(verdict);
      return write(
          r,
          new PublishResult(
              PublishResult.Status.GATE_FAILED, r.repoId(), null, null, verdict, List.of(), null));
    }
    if (access.token().isEmpty()) {
      throw new BadInputException(
          "no Hugging Face token: set HF_TOKEN, or write one to $HF_HOME/token or the file named"
              + " by HF_TOKEN_PATH (see docs/publishing.md); tunecard takes no token option");
    }
    print.gate(verdict);
    return write(
        r,
        upload(
            r.repoId(),
            r.workflow().publish().privateRepo(),
            files,
            summary,
            description,
            verdict));
  }

  private PublishResult upload(
      String repoId,
      boolean privateRepo,
      List<LocalFile> files,
      String summary,
      String description,
      GateResult verdict) {
    HubClient.Account who = client.whoami(repoId);
    if ("read".equals(who.role())) {
      throw new HubException.Unauthorized(
          "whoami: " + HubClient.writeDenied(repoId) + " (it is a read-only token)", 403);
    }
    Optional<String> head = client.headCommit(repoId);
    if (head.isEmpty()) {
      print.note("creating repository " + repoId + (privateRepo ? " (private)" : ""));
      client.createRepo(repoId, privateRepo);
      head = client.headCommit(repoId);
    }
    Plan plan = Plan.against(client, repoId, head.orElse(null), files, true);
    if (plan.entries().isEmpty()) {
      return already(repoId, head.orElseThrow(), files, verdict, plan.rule());
    }
    print.commitStart(repoId, plan);
    List<LocalFile> lfs =
        plan.entries().stream()
            .filter(e -> e.mode() == UploadModes.Mode.LFS)
            .map(CommitPayload.Entry::file)
            .toList();
    new LfsTransfer(client, print::note).upload(repoId, lfs);
    byte[] body = CommitPayload.ndjson(summary, description, plan.parent(), plan.entries());
    HubClient.Commit commit;
    try {
      commit = client.commit(repoId, body);
    } catch (HubException e) {
      // The commit may have landed with its answer lost (dropped connection, a 5xx after
      // applying it, or our own retry refused as a stale parent): if the Hub now holds exactly
      // these files, that is success, not a reason to commit again.
      Optional<String> now = reconcile(repoId, plan.parent(), files);
      if (now.isPresent()) {
        return already(repoId, now.get(), files, verdict, plan.rule());
      }
      if (e.status() == 409 || e.status() == 412) {
        throw new HubException(
            e.getMessage()
                + "; branch main of "
                + repoId
                + " moved while publishing (was "
                + plan.parent()
                + "); nothing was committed, run publish again",
            e.status());
      }
      throw e;
    }
    print.committed(commit);
    return new PublishResult(
        PublishResult.Status.PUBLISHED,
        repoId,
        commit.oid(),
        commit.url(),
        verdict,
        plan.entries(),
        plan.rule());
  }

  /** The new head, when the branch moved and now holds every file exactly as published. */
  private Optional<String> reconcile(String repoId, String parent, List<LocalFile> files) {
    try {
      Optional<String> head = client.headCommit(repoId);
      if (head.isPresent()
          && !head.get().equals(parent)
          && Plan.unchanged(client.tree(repoId), files).size() == files.size()) {
        return head;
      }
    } catch (HubException ignored) {
      // The original failure is the one to report.
    }
    return Optional.empty();
  }

  private PublishResult already(
      String repoId, String head, List<LocalFile> files, GateResult verdict, String rule) {
    String url = client.commitUrl(repoId, head);
    print.already(head, url);
    return new PublishResult(
        PublishResult.Status.ALREADY_PUBLISHED,
        repoId,
        head,
        url,
        verdict,
        files.stream().map(f -> new CommitPayload.Entry(f, null)).toList(),
        rule);
  }

  private Plan planDryRun(String repoId, List<LocalFile> files) {
    if (repoId == null) {
      return Plan.local(files, "unknown: no repository named");
    }
    if (access.token().isEmpty()) {
      return Plan.local(files, "unknown: no token, so the Hub was not asked");
    }
    Optional<String> head = client.headCommit(repoId);
    if (head.isEmpty()) {
      return Plan.local(files, "none: " + repoId + " does not exist yet and would be created");
    }
    return Plan.against(client, repoId, head.get(), files, false);
  }

  private Gate.Published published(String repoId) {
    return new Gate.Published() {
      private String note = "no published card (README.md) in " + repoId + " yet";

      @Override
      public Optional<String> readme() {
        if (repoId == null) {
          note = "no repository named, so there is no published card to compare with";
          return Optional.empty();
        }
        try {
          return client.readme(repoId);
        } catch (HubException.Unauthorized e) {
          if (access.token().isPresent()) {
            throw e;
          }
          note =
              "without a token the Hub shows no card for "
                  + repoId
                  + " (no such repository, or a private one)";
          return Optional.empty();
        }
      }

      @Override
      public String absentNote() {
        return note;
      }
    };
  }

  private static String description(Request r, String best, List<LocalFile> files) {
    StringBuilder s = new StringBuilder();
    s.append("Published by tunecard from workflow '").append(r.workflow().name()).append("'.\n");
    files.stream()
        .filter(f -> f.pathInRepo().equals("adapter_model.safetensors"))
        .findFirst()
        .ifPresent(
            f ->
                s.append("Adapter: checkpoint ")
                    .append(best)
                    .append(", adapter_model.safetensors sha256 ")
                    .append(f.sha256())
                    .append(".\n"));
    Path manifest = r.run().manifest();
    if (Files.isRegularFile(manifest)) {
      ManifestFile m = ManifestFile.read(manifest);
      String wf = m.workflow() == null ? null : m.workflow().sha256();
      if (wf != null && !wf.isEmpty()) {
        s.append("Workflow file sha256 ").append(wf).append(".\n");
      }
      if (m.git() != null && m.git().commit() != null && !m.git().commit().isEmpty()) {
        s.append("tunecard source commit ").append(m.git().commit());
        s.append(Boolean.TRUE.equals(m.git().dirty()) ? " (with local changes)" : "");
        s.append(".\n");
      }
    }
    return s.toString().strip();
  }

  private static PublishResult write(Request r, PublishResult result) {
    try {
      result.write(r.run().root());
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot write " + r.run().root().resolve(PublishResult.FILE_NAME) + ": " + e.getMessage(),
          e);
    }
    return result;
  }

  private static String readString(Path p) {
    try {
      return Files.readString(p, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + p + ": " + e.getMessage(), e);
    }
  }
}
