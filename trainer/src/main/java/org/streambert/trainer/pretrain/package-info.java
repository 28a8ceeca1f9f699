/**
 * Masked-LM + next-sentence pre-training as create_pretraining_data.py and run_pretraining.py do it: instance
 * generation from documents, batches, the training loop and its evaluation.
 */
package org.streambert.trainer.pretrain;
