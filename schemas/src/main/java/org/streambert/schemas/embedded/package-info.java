/**
 * A real single-node Kafka broker (KRaft, Apache Kafka's own server) run as a child JVM, for the embedded mode,
 * benchmarks and broker tests. Depends on no other package of the project.
 */
package org.streambert.schemas.embedded;
