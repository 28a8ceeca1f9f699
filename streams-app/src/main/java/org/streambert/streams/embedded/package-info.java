/**
 * The embedded default mode and its learning-loop variant: a broker, a registry and the app on this machine, the
 * trainer run as its own process ({@link org.streambert.streams.embedded.TrainerProcess}), a simulated labeller.
 *
 * <p>Depends on the API ({@code streams}) and {@code serving}, as any embedding application would; used by
 * {@code cli}. It never imports the trainer's code: the trainer is a child process, as a deployment would run it.
 */
package org.streambert.streams.embedded;
