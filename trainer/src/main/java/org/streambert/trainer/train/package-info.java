/**
 * Fine-tuning for classification and NER (one encoder, both heads) and distillation into a smaller student: the
 * graph, the loop, features and batches, the starting point (pretrained, checkpoint, bundle), and the evaluation of
 * the model as the app serves it.
 */
package org.streambert.trainer.train;
