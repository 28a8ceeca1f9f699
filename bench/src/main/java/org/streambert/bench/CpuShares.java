package org.streambert.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.stream.Stream;

/**
 * Where the machine's CPU went between two snapshots of a run of the app in this process beside a broker child
 * process: CPU seconds per part, as cores over the wall time. The parts: the app's forward-pass worker (with overlap
 * off, the passes run on the stream thread), the engine's own native threads, the stream thread, the app's other
 * Kafka threads (its producer's network thread, the global thread), the bench's own producer and verifier
 * ({@code main} and their client threads), the JVM's compilers, its garbage collector and VM threads, and the broker
 * process. What no part used is idle. Linux only ({@code /proc}); a part that cannot be read counts as zero.
 */
final class CpuShares {

  /** CPU nanoseconds of each thread (and the broker) at one instant, by a key, with the part each belongs to. */
  record Snapshot(long wallNanos, Map<String, Long> cpuNanos, Map<String, String> partOf) {
  }

  private static final long TICK_NANOS = 10_000_000L; // USER_HZ = 100 on Linux
  private static final String ENGINE = "engine threads";
  private static final String PASS = "forward-pass worker";
  private static final String STREAM = "stream thread";
  private static final String APP_KAFKA = "app's other threads";
  private static final String BENCH = "bench producer/verifier";
  private static final String JIT = "JIT compilers";
  private static final String GC = "GC and VM";
  private static final String BROKER = "broker process";
  private static final List<String> PARTS = List.of(PASS, ENGINE, STREAM, APP_KAFKA, BENCH, JIT, GC, BROKER);

  private CpuShares() {
  }

  /**
   * CPU per thread now. {@code appPrefix} starts the names of the app's Java threads (its {@code application.id});
   * the engine's native threads are named after the thread that started them (the model loader, {@code loaderName},
   * an app thread, or {@code main}, which Linux calls {@code java}; at most 15 characters as Linux keeps them): the
   * engine part is those names' CPU less their Java threads'.
   */
  static Snapshot take(String appPrefix, String loaderName) {
    Map<String, Long> cpu = new HashMap<>();
    Map<String, String> partOf = new HashMap<>();
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    for (var info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info == null) {
        continue;
      }
      String name = info.getThreadName();
      String part = name.startsWith(loaderName) ? ENGINE
          : name.startsWith(appPrefix) && name.endsWith("-forward-pass") ? PASS
          : name.startsWith(appPrefix) && name.matches(".*-StreamThread-\\d+") ? STREAM
          : name.contains(appPrefix + "-") ? APP_KAFKA : BENCH;
      long nanos = Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
      if (!part.equals(ENGINE)) {
        cpu.put("java-" + info.getThreadId(), nanos);
        partOf.put("java-" + info.getThreadId(), part);
      }
      if (name.startsWith(loaderName) || name.startsWith(appPrefix) || name.equals("main")) {
        // Linux names a native thread after the thread that started it: the engine's threads carry the name of the
        // loader, of an app thread or of main (Linux calls it "java"; TensorFlow's pools are the process's, started at
        // its first use), whose Java threads' own CPU is taken out of that
        cpu.put("not-native-" + info.getThreadId(), -nanos);
        partOf.put("not-native-" + info.getThreadId(), ENGINE);
      }
    }
    String loaderComm = loaderName.substring(0, Math.min(15, loaderName.length()));
    String appComm = appPrefix.substring(0, Math.min(15, appPrefix.length()));
    try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        try {
          String comm = Files.readString(task.resolve("comm")).trim();
          String part = comm.startsWith(loaderComm) || comm.startsWith(appComm) || comm.equals("java") ? ENGINE
              : comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler") ? JIT
              : comm.startsWith("GC ") || comm.startsWith("G1 ") || comm.startsWith("VM ") ? GC : null;
          if (part != null) {
            String key = "task-" + task.getFileName();
            cpu.put(key, ticks(Files.readString(task.resolve("stat"))) * TICK_NANOS);
            partOf.put(key, part);
          }
        } catch (IOException e) {
          // the thread ended
        }
      }
    } catch (IOException e) {
      // no /proc: the native parts stay zero
    }
    ProcessHandle.current().children()
        .filter(p -> p.info().command().orElse("").endsWith("java")) // the broker: this run's only child JVM
        .forEach(p -> {
          cpu.put("process-" + p.pid(), p.info().totalCpuDuration().map(Duration::toNanos).orElse(0L));
          partOf.put("process-" + p.pid(), BROKER);
        });
    return new Snapshot(System.nanoTime(), cpu, partOf);
  }

  /** utime + stime of a {@code /proc/.../stat} line, in ticks. */
  private static long ticks(String stat) {
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  /**
   * "part 0.93, part 0.12, ..., idle 0.10 cores of N": each part's CPU between the snapshots (summed over the threads
   * alive at the second; one started since counts from zero) over the wall time.
   */
  static String between(Snapshot from, Snapshot to) {
    double seconds = (to.wallNanos() - from.wallNanos()) / 1e9;
    Map<String, Long> used = new HashMap<>();
    to.cpuNanos().forEach((key, nanos) -> used.merge(to.partOf().get(key),
        nanos - from.cpuNanos().getOrDefault(key, 0L), Long::sum));
    int cores = Runtime.getRuntime().availableProcessors();
    StringJoiner out = new StringJoiner(", ");
    double total = 0;
    for (String part : PARTS) {
      double c = Math.max(0, used.getOrDefault(part, 0L)) / 1e9 / seconds;
      total += c;
      out.add(String.format(Locale.ROOT, "%s %.2f", part, c));
    }
    out.add(String.format(Locale.ROOT, "idle %.2f", Math.max(0, cores - total)));
    return out + " cores of " + cores;
  }
}
