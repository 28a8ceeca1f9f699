package org.streambert.streams.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.junit.jupiter.api.Test;

class StreamThreadSupervisorTest {

  private final AtomicLong now = new AtomicLong(1_000_000);
  private final StreamThreadSupervisor supervisor = new StreamThreadSupervisor(0, 0, 3, 60_000, now::get);

  @Test
  void shouldReplaceFailedThreadsUntilTooManyFailInTheWindow() {
    assertEquals(StreamThreadExceptionResponse.REPLACE_THREAD, supervisor.handle(new IllegalStateException("1")));
    supervisor.handle(new IllegalStateException("2"));
    assertTrue(supervisor.healthy());
    assertNull(supervisor.problem());
    supervisor.handle(new IllegalStateException("3"));
    assertFalse(supervisor.healthy());
    assertTrue(supervisor.problem().contains("3 stream thread replacement(s)"), supervisor.problem());
    now.addAndGet(60_001); // the window passes: healthy again
    assertTrue(supervisor.healthy());
    assertEquals(3, supervisor.totalReplacements());
  }

  @Test
  void shouldDoubleBackoffUpToItsMaximum() {
    StreamThreadSupervisor s = new StreamThreadSupervisor(100, 1_000, 3, 60_000, now::get);
    assertEquals(100, s.backoffFor(1));
    assertEquals(200, s.backoffFor(2));
    assertEquals(800, s.backoffFor(4));
    assertEquals(1_000, s.backoffFor(5));
    assertEquals(1_000, s.backoffFor(50));
  }

  @Test
  void shouldBeUnhealthyOnceTheGlobalThreadDies() throws InterruptedException {
    Thread global = new Thread(() -> assertEquals(StreamThreadExceptionResponse.SHUTDOWN_CLIENT,
        supervisor.handle(new IllegalStateException("x"))), "app-GlobalStreamThread");
    global.start();
    global.join(5_000);
    assertTrue(supervisor.globalThreadDead());
    assertFalse(supervisor.healthy());
    assertEquals(0, supervisor.totalReplacements());
  }
}
