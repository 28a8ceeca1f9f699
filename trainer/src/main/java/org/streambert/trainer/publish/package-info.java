/**
 * From a finished run to a served checkpoint: exporting the run as a bundle, the checkpoint store, golden examples,
 * the promotion gate, and the signed, sequenced {@code ModelCheckpoint} events on the checkpoint topic.
 */
package org.streambert.trainer.publish;
