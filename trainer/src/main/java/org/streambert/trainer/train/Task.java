package org.streambert.trainer.train;

/** The tasks the trainer fine-tunes; a batch always holds examples of one task. */
public enum Task {
  /** Sequence classification on the pooled [CLS] output. */
  CLASSIFICATION,
  /** Token classification (NER), labels on the first word piece of each word. */
  NER,
  /** Text without gold labels: distillation trains on it with the teacher's soft targets only. */
  UNLABELLED
}
