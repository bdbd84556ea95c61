package io.tunecard.publish;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The commit a publish makes: its parent, the files it carries with their upload modes, and the
 * files left out because the Hub already holds them byte for byte (same LFS sha256, or same git
 * blob id for a regular file) or because the Hub ignores their path.
 *
 * @param parent the head the commit follows, or null when unknown or absent
 * @param parentText how the parent reads in a dry run
 * @param rule which rule chose regular or LFS ({@link UploadModes#HUB_RULE} or the local one)
 */
record Plan(
    String parent,
    String parentText,
    List<CommitPayload.Entry> entries,
    List<LocalFile> unchanged,
    List<LocalFile> ignored,
    String rule) {

  /** Every file, modes by the local rule (no Hub to ask). */
  static Plan local(List<LocalFile> files, String parentText) {
    List<CommitPayload.Entry> entries = new ArrayList<>();
    for (LocalFile f : files) {
      entries.add(
          new CommitPayload.Entry(f, UploadModes.local(f.pathInRepo(), f.size(), f.sample())));
    }
    return new Plan(null, parentText, entries, List.of(), List.of(), UploadModes.LOCAL_RULE);
  }

  /** The files that differ from {@code head}'s tree, modes by the Hub's preupload answer. */
  static Plan against(
      HubClient client, String repoId, String head, List<LocalFile> files, boolean forCommit) {
    Map<String, HubClient.RemoteFile> tree = head == null ? Map.of() : client.tree(repoId);
    List<LocalFile> same = unchanged(tree, files);
    List<LocalFile> changed = files.stream().filter(f -> !same.contains(f)).toList();
    String parentText = head == null ? "none (the repository has no commit yet)" : head;
    if (changed.isEmpty()) {
      return new Plan(head, parentText, List.of(), same, List.of(), "nothing to upload");
    }
    Map<String, HubClient.Preupload> modes = client.preupload(repoId, changed);
    List<CommitPayload.Entry> entries = new ArrayList<>();
    List<LocalFile> ignored = new ArrayList<>();
    for (LocalFile f : changed) {
      HubClient.Preupload p = modes.get(f.pathInRepo());
      if (p.shouldIgnore()) {
        ignored.add(f);
        continue;
      }
      // LFS storage refuses empty objects, so an empty file always travels as a regular one.
      UploadModes.Mode mode = f.size() == 0 ? UploadModes.Mode.REGULAR : p.mode();
      entries.add(new CommitPayload.Entry(f, mode));
    }
    return new Plan(head, parentText, entries, same, ignored, UploadModes.HUB_RULE);
  }

  /** The files whose exact content already lies at their path in {@code tree}. */
  static List<LocalFile> unchanged(Map<String, HubClient.RemoteFile> tree, List<LocalFile> files) {
    List<LocalFile> out = new ArrayList<>();
    for (LocalFile f : files) {
      HubClient.RemoteFile r = tree.get(f.pathInRepo());
      if (r == null) {
        continue;
      }
      boolean same =
          r.lfsSha256() != null
              ? r.lfsSha256().equals(f.sha256()) && r.size() == f.size()
              : r.gitOid().equals(f.gitBlobSha1());
      if (same) {
        out.add(f);
      }
    }
    return out;
  }
}
