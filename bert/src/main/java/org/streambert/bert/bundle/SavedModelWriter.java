package org.streambert.bert.bundle;

import java.io.IOException;
import java.nio.file.Path;

/** Writes the TensorFlow SavedModel of a bundle; supplied by the graph code to {@link ModelBundle#write}. */
@FunctionalInterface
public interface SavedModelWriter {

  /**
   * Writes the SavedModel into {@code savedModelDir}, which does not exist yet (it is {@code saved_model/} inside a
   * temporary sibling of the bundle directory); the writer creates it. Any exception aborts the bundle write, and the
   * temporary directory is deleted.
   */
  void write(Path savedModelDir) throws IOException;
}
