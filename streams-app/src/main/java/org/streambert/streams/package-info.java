/**
 * The streams application's API: {@link org.streambert.streams.NlpConfig} (every {@code nlp.*} key, parsed once),
 * {@link org.streambert.streams.NlpTopology} (the topology, built by one static method that {@code run} and the tests
 * share), {@link org.streambert.streams.NlpService} (a running instance: topics, Kafka Streams, rollout, HTTP) and
 * {@link org.streambert.streams.NlpSerdes}. Start reading here; nothing here hands out an {@code internals} type.
 *
 * <p>Depends on every other package of this module (it wires them together): {@code serving}, {@code rollout},
 * {@code ops}, {@code errors} and, inside its methods only, {@code processor.internals}. Depended on by {@code cli},
 * {@code embedded}, the benchmarks and embedding applications; never by the packages it wires.
 */
package org.streambert.streams;
