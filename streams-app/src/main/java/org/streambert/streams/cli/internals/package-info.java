/**
 * Machinery of the console commands: bounded line reading and the rendering of any project topic's records. Used by
 * {@code cli} only; depends on {@code schemas} alone.
 */
package org.streambert.streams.cli.internals;
