/**
 * The trainer's one training engine: {@link org.streambert.trainer.engine.TrainingSession} owns graph, session,
 * encoder, variables and optimizer and runs update steps; a {@link org.streambert.trainer.engine.TrainingSession.Task}
 * adds only its heads, loss and extra feeds. {@link org.streambert.trainer.engine.EncoderBatch} holds the encoder's
 * padded inputs (built by bert's {@code BatchEncoding}, as serving builds them),
 * {@link org.streambert.trainer.engine.Feeds} owns a step's tensors, and {@link org.streambert.trainer.engine.Sampler}
 * draws step-counted batches. Fine-tuning, distillation, pre-training and
 * SQuAD build on it; no other trainer class opens a {@code Graph} for training.
 */
package org.streambert.trainer.engine;
