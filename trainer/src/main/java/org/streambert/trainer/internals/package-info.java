/**
 * Machinery shared by the trainer's packages: JSON helpers, progress reporting and tensor helpers. Not API.
 */
package org.streambert.trainer.internals;
