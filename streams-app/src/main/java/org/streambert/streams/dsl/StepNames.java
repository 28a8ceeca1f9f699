package org.streambert.streams.dsl;

import java.util.regex.Pattern;

/**
 * The names of one step's processors and stores, all under the user's prefix: {@code <prefix>-input},
 * {@code -batch}, {@code -enriched}, {@code -rejected}, {@code -failed}, {@code -dead-letters}, {@code -labelling},
 * the stores {@code <prefix>-pending} (changelog {@code <application.id>-<prefix>-pending-changelog}) and
 * {@code <prefix>-checkpoints} (global), and the global store's source {@code <prefix>-checkpoint-source} and
 * processor {@code <prefix>-checkpoint}.
 */
record StepNames(String prefix) {

  /** Characters Kafka allows in topic names: the pending store's changelog topic is named after the prefix. */
  private static final Pattern LEGAL = Pattern.compile("[a-zA-Z0-9._-]{1,100}");

  StepNames {
    if (prefix == null || !LEGAL.matcher(prefix).matches()) {
      throw new IllegalArgumentException("a step name must be 1 to 100 of [a-zA-Z0-9._-] (it names the step's "
          + "changelog topic), was " + (prefix == null ? null : "'" + prefix + "'"));
    }
  }

  String input() {
    return prefix + "-input";
  }

  String batch() {
    return prefix + "-batch";
  }

  String enriched() {
    return prefix + "-enriched";
  }

  String rejected() {
    return prefix + "-rejected";
  }

  String failed() {
    return prefix + "-failed";
  }

  String deadLetters() {
    return prefix + "-dead-letters";
  }

  String labelling() {
    return prefix + "-labelling";
  }

  String pendingStore() {
    return prefix + "-pending";
  }

  /** The pending store's changelog topic: the topic the user's serdes see for the bytes they write there. */
  String changelog(String applicationId) {
    return applicationId + "-" + pendingStore() + "-changelog";
  }

  String checkpointStore() {
    return prefix + "-checkpoints";
  }

  String checkpointSource() {
    return prefix + "-checkpoint";
  }
}
