package org.streambert.streams.rollout.internals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.streambert.schemas.CheckpointKeys;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.signing.CheckpointSequence;

/**
 * The checkpoint event this instance accepted last in each slot of its model, with where it was on the topic, kept in
 * a file so that a restarted instance still knows the highest sequence it accepted, and still has the event itself
 * when the compacted topic no longer does (a replayed old event replaces the legitimate one under their shared key).
 *
 * <p>The file is an Avro data file of {@link ModelCheckpoint} records (the writer schema in its header, so a later
 * schema reads it), with the topic positions in its metadata. It is replaced atomically (temporary sibling, fsync,
 * rename, fsync of the directory) under a lock file, merging what another process sharing the directory wrote: per
 * slot the event later in {@link CheckpointSequence#ORDER} stays. A file that cannot be read stops the start rather
 * than silently forgetting the sequences (delete it to start as a new instance would). Thread-safe.
 */
public final class AcceptedCheckpoints {

  /** Largest file read (two slots of one model; an event is bounded by the serde's decode limits). */
  public static final long MAX_FILE_BYTES = 32L << 20;
  private static final String POSITIONS_META = "streambert.positions";

  /**
   * One accepted event and where it was on the topic.
   *
   * @param partition the topic partition, -1 when unknown (handed over from a store, not read from the topic)
   * @param offset    the offset in that partition, -1 when unknown
   */
  public record Entry(ModelCheckpoint event, int partition, long offset) {}

  private final Path file;
  private final Map<String, Entry> bySlot = new HashMap<>();

  private AcceptedCheckpoints(Path file) {
    this.file = file;
  }

  /** Kept in memory only: a restart forgets (an instance without a place for state, and tests). */
  public static AcceptedCheckpoints inMemory() {
    return new AcceptedCheckpoints(null);
  }

  /**
   * The record in {@code file}, read now if it exists.
   *
   * @throws IOException naming the file when it exists but cannot be read
   */
  public static AcceptedCheckpoints open(Path file) throws IOException {
    AcceptedCheckpoints accepted = new AcceptedCheckpoints(file);
    accepted.bySlot.putAll(read(file));
    return accepted;
  }

  /** The file, or empty when kept in memory only. */
  public Optional<Path> file() {
    return Optional.ofNullable(file);
  }

  /** The last accepted event of slot {@code slot} (a {@link CheckpointKeys} key), if any. */
  public synchronized Optional<Entry> get(String slot) {
    return Optional.ofNullable(bySlot.get(slot));
  }

  /**
   * Records {@code entry} as its slot's last accepted event and writes the file before returning.
   *
   * @throws IOException when the file cannot be written (the record in memory is updated all the same)
   */
  public synchronized void put(Entry entry) throws IOException {
    bySlot.put(CheckpointKeys.of(entry.event()), entry);
    if (file == null) {
      return;
    }
    Files.createDirectories(file.toAbsolutePath().getParent());
    Path lockFile = file.resolveSibling(file.getFileName() + ".lock");
    try (FileChannel lockChannel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = lockChannel.lock()) {
      Map<String, Entry> onDisk = read(file);
      onDisk.forEach((slot, other) -> bySlot.merge(slot, other,
          (mine, theirs) -> CheckpointSequence.ORDER.compare(theirs.event(), mine.event()) > 0 ? theirs : mine));
      write(file, bySlot);
    }
  }

  private static Map<String, Entry> read(Path file) throws IOException {
    Map<String, Entry> entries = new HashMap<>();
    if (!Files.exists(file)) {
      return entries;
    }
    try {
      if (Files.size(file) > MAX_FILE_BYTES) {
        throw new IOException("larger than " + MAX_FILE_BYTES + " bytes");
      }
      byte[] bytes = Files.readAllBytes(file);
      try (DataFileStream<ModelCheckpoint> in = new DataFileStream<>(new ByteArrayInputStream(bytes),
          new SpecificDatumReader<>(ModelCheckpoint.class))) {
        String[] positions = new String(in.getMeta(POSITIONS_META), StandardCharsets.US_ASCII).split(",", -1);
        int i = 0;
        while (in.hasNext()) {
          ModelCheckpoint event = in.next();
          String[] at = positions[i++].split(":");
          entries.put(CheckpointKeys.of(event), new Entry(event, Integer.parseInt(at[0]), Long.parseLong(at[1])));
        }
      }
      return entries;
    } catch (IOException | RuntimeException e) {
      throw new IOException("cannot read the accepted checkpoint events in " + file + " (" + e.getMessage()
          + "); it keeps this instance from being rolled back to older events, so the start stops here. Delete the "
          + "file to start as a new instance would (trusting the checkpoint topic's latest events)", e);
    }
  }

  private static void write(Path file, Map<String, Entry> entries) throws IOException {
    List<Entry> list = new ArrayList<>(entries.values());
    List<String> positions = new ArrayList<>();
    list.forEach(e -> positions.add(e.partition() + ":" + e.offset()));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataFileWriter<ModelCheckpoint> out = new DataFileWriter<>(new SpecificDatumWriter<>(ModelCheckpoint.class))) {
      out.setMeta(POSITIONS_META, String.join(",", positions));
      out.create(ModelCheckpoint.getClassSchema(), bytes);
      for (Entry e : list) {
        out.append(e.event());
      }
    }
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ch.write(ByteBuffer.wrap(bytes.toByteArray()));
      ch.force(true);
    }
    try {
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
    try (FileChannel dir = FileChannel.open(file.toAbsolutePath().getParent(), StandardOpenOption.READ)) {
      dir.force(true);
    } catch (IOException e) {
      // some file systems cannot open a directory for fsync; the rename itself is atomic
    }
  }
}
