/**
 * Continuous rollout of checkpoints: {@link org.streambert.streams.rollout.ModelRollout} fetches, verifies, loads and
 * checks the model each {@code ModelCheckpoint} event names and swaps it in; every accepted event is a
 * {@link org.streambert.streams.rollout.RolloutAttempt} moving through the
 * {@link org.streambert.streams.rollout.RolloutState}s. {@link org.streambert.streams.rollout.CheckpointAcceptance} is
 * the one gate on arrival (the checks without I/O of {@link org.streambert.streams.rollout.ModelSourcePolicy},
 * freshness, and the signed sequence each slot's events must raise, against the instance's remembered history),
 * {@link org.streambert.streams.rollout.CheckpointListener} what the global store calls,
 * {@link org.streambert.streams.rollout.RolloutStatusPublisher} where outcomes are reported. The download and the file
 * of accepted events live in {@code rollout.internals}.
 *
 * <p>May depend on {@code serving} (it fills the model holder) and its own internals; depended on by the API,
 * {@code processor.internals} (the checkpoint listener) and {@code ops} (the status producer).
 */
package org.streambert.streams.rollout;
