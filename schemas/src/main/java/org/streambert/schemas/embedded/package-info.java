/**
 * A real single-node Kafka broker (KRaft, Apache Kafka's own server) run as a child JVM, for the embedded mode,
 * benchmarks and broker tests, and a real three-node cluster of the same processes ({@code KafkaCluster}) for tests
 * that kill, pause and restart brokers. Depends on no other package of the project.
 */
package org.streambert.schemas.embedded;
