/**
 * {@code trainer serve}, the continuous-learning loop: reads {@code training-examples}, keeps the held-out split,
 * retrains in rounds, gates and publishes candidates, reads shadow reports and records each round on
 * {@code training-runs}.
 */
package org.streambert.trainer.serve;
