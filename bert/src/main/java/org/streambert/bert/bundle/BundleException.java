package org.streambert.bert.bundle;

import java.io.IOException;

/**
 * A model bundle could not be written or was refused on opening. The message names the bundle directory, the file
 * concerned and what was wrong (e.g. {@code hash mismatch in saved_model/saved_model.pb}).
 */
public class BundleException extends IOException {

  public BundleException(String message) {
    super(message);
  }

  public BundleException(String message, Throwable cause) {
    super(message, cause);
  }
}
