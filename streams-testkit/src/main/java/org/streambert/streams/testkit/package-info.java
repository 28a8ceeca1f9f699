/**
 * Test kit for topologies that use the NLP step ({@code org.streambert.streams.dsl.NlpStep}) under Kafka Streams'
 * {@code TopologyTestDriver}: {@link org.streambert.streams.testkit.FakeBert}, a deterministic keyword model that
 * loads in milliseconds behind the step's {@code ModelLoader} interface, and
 * {@link org.streambert.streams.testkit.CheckpointPublisher}, which publishes its checkpoint events into the driver's
 * checkpoint topic and waits for the swap. Add it with test scope.
 */
package org.streambert.streams.testkit;
