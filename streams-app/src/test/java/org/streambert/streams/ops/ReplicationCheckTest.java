package org.streambert.streams.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.streambert.streams.ops.ReplicationCheck.TopicReplication;

/** Which topic replication the app warns about at start: what a broker loss could cost, or a rolling restart stall. */
class ReplicationCheckTest {

  @Test
  void shouldWarnAboutTopicsThatAcceptAWriteOnOneReplica() {
    List<String> w = ReplicationCheck.warnings(3, List.of(new TopicReplication("text-input", 3, 1)));
    assertEquals(1, w.size());
    assertTrue(w.get(0).startsWith("text-input has min.insync.replicas=1"), w.get(0));
  }

  @Test
  void shouldWarnAboutTopicsWithOneReplicaOnACluster() {
    List<String> w = ReplicationCheck.warnings(3, List.of(new TopicReplication("model-checkpoints", 1, 1)));
    assertEquals(1, w.size());
    assertTrue(w.get(0).contains("replication factor 1 on a cluster of 3 brokers"), w.get(0));
  }

  @Test
  void shouldWarnWhenOneBrokerDownWouldStopWrites() {
    List<String> w = ReplicationCheck.warnings(3, List.of(new TopicReplication("text-enriched", 2, 2)));
    assertEquals(1, w.size());
    assertTrue(w.get(0).contains("rolling restart"), w.get(0));
  }

  @Test
  void shouldAcceptThreeReplicasWithTwoInSync() {
    assertEquals(List.of(), ReplicationCheck.warnings(3, List.of(new TopicReplication("text-input", 3, 2),
        new TopicReplication("text-dlq", 5, 3))));
  }

  @Test
  void shouldSayNothingOnASingleBroker() {
    assertEquals(List.of(), ReplicationCheck.warnings(1, List.of(new TopicReplication("text-input", 1, 1))));
  }
}
