package org.streambert.trainer.data;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The team's shared dataset folder, when present. It is not part of the repository: it is found as
 * {@code shared/datasets} in the working directory or one of its parents (the checkout's sibling {@code ../shared}),
 * or given with {@code -Dstreambert.shared.datasets=DIR}. Tests that need it are skipped, saying so, when it is absent.
 */
public final class SharedDatasets {

  private SharedDatasets() {}

  /** The folder, or null when absent. */
  public static Path root() {
    String configured = System.getProperty("streambert.shared.datasets");
    if (configured != null) {
      return Path.of(configured);
    }
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("shared").resolve("datasets");
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  /** A file of the folder; skips the calling test (JUnit assumption) when the folder or the file is absent. */
  public static Path require(String relative) {
    Path root = root();
    assumeTrue(root != null, "skipped: no shared/datasets folder found above " + Path.of("").toAbsolutePath()
        + " (set -Dstreambert.shared.datasets=DIR to run this test)");
    Path file = root.resolve(relative);
    assumeTrue(Files.isRegularFile(file), "skipped: " + file + " is absent");
    return file;
  }
}
