/**
 * Metrics: classification accuracy/F1 per class and conlleval-style entity precision/recall/F1 over spans. Pure
 * functions of gold and predicted labels; no model code.
 */
package org.streambert.trainer.eval;
