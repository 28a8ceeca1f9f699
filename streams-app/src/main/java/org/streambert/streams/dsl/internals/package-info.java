/**
 * Machinery of the NLP step: the parts that both the public DSL step ({@code org.streambert.streams.dsl}) and the
 * standalone program's topology ({@code org.streambert.streams.NlpTopology}) assemble (pending store, batch processor,
 * checkpoint global store), the routing of the batch processor's outputs to a step's own nodes, and the byte envelope
 * that keeps a user's key and value in the pending store. Not an API.
 */
package org.streambert.streams.dsl.internals;
