package org.streambert.bert.tokenizer.internals;

/**
 * Keeps DJL, which loads the Hugging Face tokenizers library, off the network. Before the first tokenizer is built it
 * sets, unless the user already set them, DJL's offline mode ({@code ai.djl.offline}) and its opt-out of usage
 * tracking ({@code OPT_OUT_TRACKING}), which otherwise queries the EC2 metadata address on every new tokenizer. The
 * native library itself is inside the jar; DJL extracts it once to its cache directory ({@code DJL_CACHE_DIR} or
 * {@code ENGINE_CACHE_DIR}, default {@code ~/.djl.ai}); a read-only container sets {@code DJL_CACHE_DIR} to a writable
 * directory.
 */
public final class HfNative {

  /** DJL's offline switch (system property; the environment variable is {@code DJL_OFFLINE}). */
  public static final String OFFLINE_PROPERTY = "ai.djl.offline";
  /** DJL's usage-tracking opt-out (system property or environment variable). */
  public static final String OPT_OUT_TRACKING = "OPT_OUT_TRACKING";

  private HfNative() {}

  /** Sets the two properties when neither the system property nor the environment variable says otherwise. */
  public static synchronized void configureOffline() {
    if (System.getProperty(OFFLINE_PROPERTY) == null && System.getenv("DJL_OFFLINE") == null) {
      System.setProperty(OFFLINE_PROPERTY, "true");
    }
    if (System.getProperty(OPT_OUT_TRACKING) == null && System.getenv(OPT_OUT_TRACKING) == null) {
      System.setProperty(OPT_OUT_TRACKING, "true");
    }
  }
}
