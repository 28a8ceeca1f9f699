/**
 * The optimizer of google-research/bert's optimization.py in TensorFlow Java: Adam with decoupled weight decay, linear
 * warm-up then linear decay, global-norm clipping; the losses (cross-entropy, soft targets for distillation) and one
 * training step over the trainable variables.
 */
package org.streambert.trainer.optim;
