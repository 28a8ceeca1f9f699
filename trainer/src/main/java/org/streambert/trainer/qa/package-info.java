/**
 * SQuAD fine-tuning as run_squad.py does it: the span head's training loop and the SQuAD benchmark.
 */
package org.streambert.trainer.qa;
