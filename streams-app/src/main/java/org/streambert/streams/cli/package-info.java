/**
 * The jar's commands: {@link org.streambert.streams.cli.StreamsApp} (the main class), {@code run} (against a
 * cluster), {@code produce} and {@code consume} (the project's Avro console producer and consumer) and, from
 * {@code embedded}, the demo. Console helpers live in {@code cli.internals}.
 *
 * <p>May depend on the API ({@code streams}), {@code embedded}, {@code ops} (log format) and
 * {@code processor.internals}' input decoder (so {@code produce} accepts exactly the JSON the app reads). Nothing
 * depends on it.
 */
package org.streambert.streams.cli;
