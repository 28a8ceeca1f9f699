package org.streambert.streams.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.model.BertSavedModel;
import org.streambert.bert.model.MaliciousSavedModel;
import org.streambert.bert.model.SavedModelOps;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.rollout.RolloutStatus;
import org.streambert.schemas.signing.TrustedKeys;
import org.streambert.streams.rollout.internals.BundleFetcher;
import org.streambert.streams.serving.ModelHolder;
import org.streambert.streams.serving.ModelLoader;
import org.streambert.streams.serving.TensorFlowModelLoader;
import org.tensorflow.SavedModelBundle;

/**
 * Issue 29: a writer of the checkpoint store swaps {@code saved_model.pb} (for a graph whose initialiser copies a
 * file) and {@code variables/*} (for other weights) between the rollout's checks and TensorFlow's read. The rollout
 * loads a private copy hashed as it was written, so the swap changes nothing: the checked model serves (or the bundle
 * is refused when the swap lands during the copy), and the swapped graph's initialiser never runs. (Java's inotify
 * watch service reports no reads, so the concurrent attacker flips the store in a tight loop from the event's
 * arrival instead of reacting to a read.)
 */
class BundleSwapTest {

  @TempDir
  Path dir;

  private final List<RolloutStatus> statuses = new CopyOnWriteArrayList<>();

  /** The store's v1, and what an attacker swaps in: v1's graph with a file-copying initialiser, v2's variables. */
  private record Store(ModelCheckpoint v1, Path bundle, Path evilGraph, Path otherVariables, Path secret,
      Path marker) {

    /** Replaces the store's graph and variables by the attacker's (each file by an atomic rename). */
    void swap() {
      swapGraph();
      swapVariables();
    }

    void swapGraph() {
      try {
        replace(evilGraph.resolve("saved_model.pb"), bundle.resolve("saved_model/saved_model.pb"));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    void swapVariables() {
      try {
        try (Stream<Path> files = Files.list(otherVariables)) {
          for (Path f : files.toList()) {
            replace(f, bundle.resolve("saved_model/variables").resolve(f.getFileName()));
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** Puts v1's own graph back (the watcher flips between the two). */
    void restore(Path goodGraph) {
      try {
        replace(goodGraph, bundle.resolve("saved_model/saved_model.pb"));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private static void replace(Path from, Path to) throws IOException {
      Path temp = to.resolveSibling("." + to.getFileName() + ".swap");
      Files.copy(from, temp, StandardCopyOption.REPLACE_EXISTING);
      Files.move(temp, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private Store store() throws Exception {
    Path bundle = dir.resolve("store").resolve("1");
    ModelCheckpoint v1 = TensorFlowModelRolloutTest.publishable(bundle, "1", 1);
    Path other = dir.resolve("attacker").resolve("2");
    TensorFlowModelRolloutTest.publishable(other, "2", 2);
    Path evil = dir.resolve("attacker").resolve("evil-graph");
    Files.createDirectories(evil);
    Files.copy(bundle.resolve("saved_model/saved_model.pb"), evil.resolve("saved_model.pb"));
    Path secret = Files.writeString(dir.resolve("secret.txt"), "secret");
    Path marker = dir.resolve("stolen.txt");
    MaliciousSavedModel.addFileCopyInitOp(evil, secret, marker);
    return new Store(v1, bundle, evil, other.resolve("saved_model/variables"), secret, marker);
  }

  private ModelRollout rollout(ModelHolder holder, ModelLoader loader) {
    return new ModelRollout("swap", holder, loader, dir.resolve("cache"), statuses::add, 1e-3, 8, policy());
  }

  private ModelSourcePolicy policy() {
    return new ModelSourcePolicy(TrustedKeys.none(), List.of(dir.resolve("store").toUri().toString()),
        ModelSourcePolicy.DEFAULT_MAX_BYTES, Duration.ofSeconds(60), true);
  }

  @Test
  void shouldRunTheSwappedGraphsInitialiserWhenTensorFlowReadsTheStoreItself() throws Exception {
    // The attack itself, without the rollout: the swapped graph's initialiser runs when TensorFlow loads it. This is
    // what the tests below must never see happen.
    Store s = store();
    s.swap();
    try (SavedModelBundle raw = SavedModelBundle.loader(s.bundle().resolve("saved_model").toString())
        .withTags(BertSavedModel.TAG).load()) {
      assertTrue(Files.exists(s.marker()), "the malicious initialiser ran");
    }
  }

  @Test
  void shouldLoadTheCheckedBytesWhenTheStoreIsSwappedBetweenCheckAndLoad() throws Exception {
    Store s = store();
    AtomicInteger swaps = new AtomicInteger();
    // A loader that op-checks the bundle's graph, lets the attacker swap the store's graph, then has TensorFlow read
    // the directory again (what BertSavedModel.load does inside: check, then SavedModelBundle.load): were the bundle
    // the store, the swapped graph's initialiser would run here.
    ModelLoader racy = bundle -> {
      SavedModelOps.check(bundle.savedModelDir());
      s.swap();
      swaps.incrementAndGet();
      try (SavedModelBundle raw = SavedModelBundle.loader(bundle.savedModelDir().toString())
          .withTags(BertSavedModel.TAG).load()) {
        // read once, as TensorFlow does after the check
      }
      return new TensorFlowModelLoader().load(bundle);
    };
    List<Path> loaded = new CopyOnWriteArrayList<>();
    try (ModelHolder holder = new ModelHolder("tiny"); ModelRollout r = rollout(holder, racy)) {
      r.beforeLoad(bundle -> { // after the rollout's hash checks, before the loader: swap the variables
        loaded.add(bundle.dir());
        s.swapVariables();
      });
      r.onCheckpoint(s.v1());
      assertTrue(r.awaitIdle(Duration.ofSeconds(60)));
      assertEquals(1, swaps.get(), "the loader ran and the store was swapped under it");
      assertFalse(Files.exists(s.marker()), "the swapped graph's initialiser ran");
      assertEquals(RolloutStatus.LOADED, statuses.get(0).status(), statuses.get(0).reason());
      // The golden check (tolerance 1e-3) passed on v1's scores: v1's variables were loaded, not v2's.
      assertEquals("1", holder.currentVersion());
      assertFalse(loaded.get(0).startsWith(dir.resolve("store")), "loaded a private copy, not the store");
    }
  }

  @Test
  void shouldNeverRunTheSwappedGraphWhileAnAttackerFlipsTheStore() throws Exception {
    Store s = store();
    Path goodGraph = Files.copy(s.bundle().resolve("saved_model/saved_model.pb"), dir.resolve("good.pb"));
    for (int round = 0; round < 4; round++) {
      AtomicBoolean running = new AtomicBoolean(true);
      AtomicInteger flips = new AtomicInteger();
      // From the moment the event arrives, flip the store's graph between v1's own and the evil one as fast as
      // possible until the rollout is done: some reads see one, some the other.
      Thread attacker = new Thread(() -> {
        while (running.get()) {
          s.swapGraph();
          s.restore(goodGraph);
          flips.incrementAndGet();
        }
      }, "store-attacker");
      List<RolloutStatus> seen = new CopyOnWriteArrayList<>();
      try (ModelHolder holder = new ModelHolder("tiny");
          ModelRollout r = new ModelRollout("swap", holder, new TensorFlowModelLoader(), dir.resolve("cache"),
              seen::add, 1e-3, 8, policy())) {
        attacker.start();
        r.onCheckpoint(s.v1());
        assertTrue(r.awaitIdle(Duration.ofSeconds(60)));
        running.set(false);
        attacker.join(10_000);
        assertTrue(flips.get() > 0);
        assertFalse(Files.exists(s.marker()), "the swapped graph's initialiser ran (round " + round + ", "
            + flips + " flips)");
        RolloutStatus status = seen.get(0);
        if (status.loaded()) {
          assertEquals("1", holder.currentVersion()); // golden scores of v1 at 1e-3: v1's weights
        } else { // a flip landed during the copy: what was copied differs from the manifest, or the attacker's
          // half-written file was in the store when it was walked
          assertTrue(status.reason().startsWith("bundle.sha256:") || status.reason().startsWith("bundle.unlisted:"),
              status.reason());
          assertEquals(null, holder.currentVersion());
        }
      } finally {
        running.set(false);
        attacker.join(10_000);
      }
    }
  }

  @Test
  void shouldKeepCopiesPrivateDeleteUnusedOnesAndStillRollBack() throws Exception {
    Path bundle1 = dir.resolve("store").resolve("1");
    ModelCheckpoint v1 = TensorFlowModelRolloutTest.publishable(bundle1, "1", 1);
    ModelCheckpoint v2 = TensorFlowModelRolloutTest.publishable(dir.resolve("store").resolve("2"), "2", 2);
    Path copies = dir.resolve("cache").resolve(BundleFetcher.PRIVATE_DIR).resolve("tiny");
    Files.createDirectories(copies.resolve(".copy-left-by-a-crash"));
    Files.createDirectories(copies.resolve("0-0123456789abcdef"));
    try (ModelHolder holder = new ModelHolder("tiny"); ModelRollout r = rollout(holder, new TensorFlowModelLoader())) {
      assertEquals(List.of(), list(copies), "start-up deletes what a crash left");
      r.onCheckpoint(v1);
      assertTrue(r.awaitIdle(Duration.ofSeconds(60)));
      assertEquals(List.of("1-" + v1.getManifestSha256().substring(0, 16)), list(copies));
      assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(copies)));
      assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(copies.getParent())));
      r.onCheckpoint(v2);
      assertTrue(r.awaitIdle(Duration.ofSeconds(60)));
      assertEquals("2", holder.currentVersion());
      assertEquals(List.of("2-" + v2.getManifestSha256().substring(0, 16)), list(copies), "v1's copy deleted");
      ModelCheckpoint rollback = ModelCheckpoint.newBuilder(v1).setCreatedAt(v1.getCreatedAt().plusSeconds(10))
          .build();
      r.onCheckpoint(rollback); // copied again from the store
      assertTrue(r.awaitIdle(Duration.ofSeconds(60)));
      assertEquals("1", holder.currentVersion(), statuses.get(statuses.size() - 1).reason());
      assertEquals(List.of("1-" + v1.getManifestSha256().substring(0, 16)), list(copies));
    }
  }

  @Test
  void shouldRefuseSymbolicLinksAndSpecialFilesInTheStore() throws Exception {
    Path bundle = dir.resolve("store").resolve("1");
    ModelCheckpoint v1 = TensorFlowModelRolloutTest.publishable(bundle, "1", 1);
    Path data;
    try (Stream<Path> files = Files.list(bundle.resolve("saved_model/variables"))) {
      data = files.filter(f -> f.getFileName().toString().startsWith("variables.data")).findFirst().orElseThrow();
    }
    // A link to a file with the right bytes (inside the store, even) is still refused: links are not followed.
    Path moved = Files.move(data, dir.resolve("store").resolve("data-elsewhere"));
    Files.createSymbolicLink(data, moved);
    try (ModelHolder holder = new ModelHolder("tiny"); ModelRollout r = rollout(holder, new TensorFlowModelLoader())) {
      r.onCheckpoint(v1);
      assertTrue(r.awaitIdle(Duration.ofSeconds(60)));
      assertEquals(RolloutStatus.REFUSED, statuses.get(0).status());
      assertTrue(statuses.get(0).reason().startsWith("bundle.links:"), statuses.get(0).reason());
      Files.delete(data);
      Files.move(moved, data);
      Path fifo = bundle.resolve("saved_model/extra");
      assumeTrue(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0, "mkfifo is not available");
      r.onCheckpoint(ModelCheckpoint.newBuilder(v1).setCreatedAt(v1.getCreatedAt().plusSeconds(1)).build());
      assertTrue(r.awaitIdle(Duration.ofSeconds(60)), "a FIFO in the store must not block the copy");
      RolloutStatus fifoStatus = statuses.get(statuses.size() - 1);
      assertEquals(RolloutStatus.REFUSED, fifoStatus.status());
      assertTrue(fifoStatus.reason().startsWith("bundle.files:"), fifoStatus.reason());
    }
  }

  private static List<String> list(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
