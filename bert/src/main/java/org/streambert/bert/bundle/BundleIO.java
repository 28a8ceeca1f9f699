package org.streambert.bert.bundle;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.streambert.bert.bundle.internals.BundleFiles;

/**
 * File operations that programs storing or fetching bundles share with {@link ModelBundle#write}: durable writes
 * (fsync of files and directories before the rename that publishes them) and clean-up.
 */
public final class BundleIO {

  private BundleIO() {}

  /** Flushes every file and directory below {@code root} (and root itself) to stable storage. */
  public static void fsyncTree(Path root) throws IOException {
    BundleFiles.fsyncTree(root);
  }

  /** Persists a directory's entries (e.g. after a rename into it). */
  public static void fsyncDirectory(Path dir) {
    BundleFiles.fsyncDirectory(dir);
  }

  /** Deletes {@code root} and everything below it, without following symbolic links; no-op when absent. */
  public static void deleteRecursively(Path root) throws IOException {
    BundleFiles.deleteRecursively(root);
  }

  /** Every non-directory entry below {@code root}, as a {@code /}-separated relative path, sorted. */
  public static List<String> listFiles(Path root) throws IOException {
    return BundleFiles.listFiles(root);
  }
}
