/**
 * The people's side of the learning loop: {@code trainer label} serves a labelling page for the requests on
 * {@code needs-labeling} and writes each answer as a signed {@code TrainingExample}; {@code LabelStudio} converts
 * requests to Label Studio tasks and Label Studio's export back to examples. The page's machinery (users, the queue,
 * the Kafka reader and writer, the HTTP server) is in {@code internals}.
 */
package org.streambert.trainer.label;
