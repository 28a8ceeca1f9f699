package org.streambert.trainer.label.internals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.streambert.schemas.avro.EntitySpan;
import org.streambert.schemas.avro.TrainingExample;
import org.streambert.schemas.signing.CheckpointSignatures;
import org.streambert.schemas.signing.ExampleSignatures;
import org.streambert.schemas.signing.SigningKey;
import org.streambert.schemas.signing.TrustedKeys;

class LabelQueueTest {

  private static final SigningKey PAGE = new SigningKey("page", CheckpointSignatures.generateKeyPair().getPrivate());
  private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");

  private static TrainingExample request(String id, String text) {
    return TrainingExample.newBuilder().setId(id).setText(text).setLabel("sports").setEntities(List.of())
        .setSource("suggestion").setCreatedAt(NOW).setModelVersion("m@1").build();
  }

  private static TrainingExample answer(String id, String text, String user, String label) {
    return ExampleSignatures.sign(TrainingExample.newBuilder(request(id, text)).setLabel(label).setLabeller(user)
        .setCreatedAt(NOW.minusSeconds(60)).build(), PAGE);
  }

  @Test
  void shouldGiveEachPersonADifferentRequestAndSkipWhatTheySkippedOrAnswered() {
    LabelQueue q = new LabelQueue(100, 0.0, TrustedKeys.of(PAGE), List.of(), List.of("PER"));
    q.request(request("a", "first text"));
    q.request(request("b", "second text"));
    assertEquals("a", q.next("alice", NOW).request().getId());
    assertEquals("b", q.next("bob", NOW).request().getId(), "a is leased to alice");
    assertEquals("a", q.next("alice", NOW).request().getId(), "a reload shows alice the same request");
    q.skip("alice", "a");
    assertEquals("b", q.next("alice", NOW.plus(LabelQueue.LEASE).plusSeconds(1)).request().getId());
    q.example(answer("b", "second text", "bob", "tech"));
    assertEquals("a", q.next("carol", NOW).request().getId(), "alice skipped a: free for the others");
    assertEquals(1, q.progress(NOW).open(), "b is answered");
    assertEquals(1, q.progress(NOW).answeredLastHour());
  }

  @Test
  void shouldAskTwoPeopleForDoubleLabelledRequestsAndMeasureTheirAgreement() {
    LabelQueue q = new LabelQueue(100, 1.0, TrustedKeys.of(PAGE), List.of("tech"), List.of());
    q.request(request("a", "first text"));
    q.request(request("b", "second text"));
    assertEquals("a", q.next("alice", NOW).request().getId());
    assertEquals("a", q.next("bob", NOW).request().getId(), "a needs two people: not kept from bob");
    q.example(answer("a", "first text", "alice", "sports"));
    q.example(answer("a", "first text", "bob", "sports"));
    q.example(answer("b", "second text", "alice", "sports"));
    q.example(answer("b", "second text", "bob", "tech"));
    LabelQueue.Progress p = q.progress(NOW);
    assertEquals(0, p.open());
    assertEquals(2, p.doubleLabelled());
    assertEquals(1, p.agreeing());
    assertNull(q.next("carol", NOW));
  }

  @Test
  void shouldCountOnlyAnswersSignedByTrustedLabellerKeys() {
    LabelQueue q = new LabelQueue(100, 0.0, TrustedKeys.of(PAGE), List.of(), List.of());
    q.request(request("a", "first text"));
    SigningKey other = new SigningKey("other", CheckpointSignatures.generateKeyPair().getPrivate());
    q.example(ExampleSignatures.sign(TrainingExample.newBuilder(answer("a", "first text", "mallory", "tech"))
        .build(), other));
    q.example(TrainingExample.newBuilder(request("a", "first text")).setLabeller("mallory").build());
    assertEquals(2, q.refused());
    assertEquals(1, q.progress(NOW).open(), "an unverified answer does not close a request");
  }

  @Test
  void shouldSnapSpansToWholeWordsAndRefuseOverlapsUnknownTypesAndOutOfRange() {
    LabelQueue q = new LabelQueue(100, 0.0, TrustedKeys.of(PAGE), List.of(), List.of("PER", "LOC"));
    String text = "Alice Smith visited Paris, France.";
    assertEquals(List.of(new EntitySpan("PER", 0, 11), new EntitySpan("LOC", 20, 25)),
        q.snap(text, List.of(new EntitySpan("PER", 2, 8), new EntitySpan("LOC", 21, 23))),
        "partial words grow to whole words; the comma stays out");
    assertThrows(IllegalArgumentException.class, () -> q.snap(text, List.of(new EntitySpan("PER", 0, 3),
        new EntitySpan("LOC", 2, 8))));
    assertThrows(IllegalArgumentException.class, () -> q.snap(text, List.of(new EntitySpan("ORG", 0, 3))));
    assertThrows(IllegalArgumentException.class, () -> q.snap(text, List.of(new EntitySpan("PER", 30, 99))));
  }
}
