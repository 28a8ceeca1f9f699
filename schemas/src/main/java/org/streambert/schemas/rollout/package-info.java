/**
 * The JSON records of topic {@code model-rollout-status}: {@code RolloutStatus} (what an instance did with a
 * checkpoint) and {@code ShadowReport} (how a candidate compares with the champion on live records). The streams app
 * writes both and {@code trainer serve} reads the reports, through these same types. Depends on Jackson only.
 */
package org.streambert.schemas.rollout;
