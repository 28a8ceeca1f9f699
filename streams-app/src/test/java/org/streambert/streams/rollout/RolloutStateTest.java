package org.streambert.streams.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.streambert.schemas.avro.ModelCheckpoint;

class RolloutStateTest {

  /** The legal transitions, written out once more so that a change to the state type is a deliberate one. */
  private static final Map<RolloutState, Set<RolloutState>> LEGAL = Map.of(
      RolloutState.RECEIVED, EnumSet.of(RolloutState.QUEUED, RolloutState.REFUSED),
      RolloutState.QUEUED, EnumSet.of(RolloutState.FETCHING, RolloutState.SUPERSEDED, RolloutState.RETIRED),
      RolloutState.FETCHING, EnumSet.of(RolloutState.LOADING, RolloutState.REFUSED, RolloutState.SUPERSEDED),
      RolloutState.LOADING, EnumSet.of(RolloutState.SERVING, RolloutState.SHADOW, RolloutState.REFUSED,
          RolloutState.SUPERSEDED),
      RolloutState.SERVING, EnumSet.of(RolloutState.REPLACED),
      RolloutState.SHADOW, EnumSet.of(RolloutState.REPLACED, RolloutState.RETIRED));

  @Test
  void shouldAllowExactlyTheDocumentedTransitions() {
    for (RolloutState from : RolloutState.values()) {
      for (RolloutState to : RolloutState.values()) {
        assertEquals(LEGAL.getOrDefault(from, Set.of()).contains(to), from.isValidTransition(to), from + " -> " + to);
      }
    }
  }

  @Test
  void shouldLeaveNoTerminalStateAndReachEveryStateFromReceived() {
    for (RolloutState s : RolloutState.values()) {
      assertEquals(!LEGAL.containsKey(s), s.isTerminal(), s.name());
    }
    Set<RolloutState> reached = EnumSet.of(RolloutState.RECEIVED);
    for (int i = 0; i < RolloutState.values().length; i++) {
      for (RolloutState from : List.copyOf(reached)) {
        LEGAL.getOrDefault(from, Set.of()).forEach(reached::add);
      }
    }
    assertEquals(EnumSet.allOf(RolloutState.class), reached);
    assertTrue(RolloutState.SERVING.hasModel() && RolloutState.SHADOW.hasModel());
    assertFalse(RolloutState.LOADING.hasModel() || RolloutState.REPLACED.hasModel());
  }

  @Test
  void shouldRefuseAnIllegalMoveOfAnAttemptAndKeepItsState() {
    RolloutAttempt attempt = new RolloutAttempt(ModelCheckpoint.newBuilder().setModelName("m").setVersion("1")
        .setBundleUri("file:///b").setManifestSha256("ab").setCreatedAt(Instant.EPOCH).setHeads(List.of()).build());
    assertEquals(RolloutState.RECEIVED, attempt.state());
    assertThrows(IllegalStateException.class, () -> attempt.moveTo(RolloutState.SERVING, null));
    assertEquals(RolloutState.RECEIVED, attempt.state());
    attempt.moveTo(RolloutState.REFUSED, "signature: unsigned");
    assertFalse(attempt.moveIfValid(RolloutState.QUEUED, null), "nothing leaves a terminal state");
    assertEquals(RolloutState.REFUSED, attempt.state());
    assertEquals("signature: unsigned", attempt.reason());
  }
}
