package org.streambert.bert.weights;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.FiniteWeights;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.weights.internals.CheckpointIO;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * Weights from Google's original BERT release layout: a directory with {@code bert_config.json},
 * {@code bert_model.ckpt.index}, {@code bert_model.ckpt.data-00000-of-00001} and {@code vocab.txt} (a TF V2
 * checkpoint). Tensors are read one at a time by name with a {@code RestoreV2} op, so only the weights the graph asks
 * for are loaded (optimizer slots and pre-training heads in the checkpoint are skipped, and a config truncated with
 * {@link BertConfig#truncated} reads only the first layers).
 *
 * <p>Owns a small TF graph and session; {@link #close()} frees them. Thread-safe.
 */
public final class GoogleCheckpoint implements WeightSource {
  /** Config file name in the release directory. */
  public static final String CONFIG_FILE = "bert_config.json";
  /** Vocabulary file name in the release directory. */
  public static final String VOCAB_FILE = "vocab.txt";
  /** Checkpoint prefix in the release directory. */
  public static final String CHECKPOINT_PREFIX = "bert_model.ckpt";

  private final Path prefix;
  private final CheckpointIO.Reader reader;

  private GoogleCheckpoint(Path prefix) {
    this.prefix = prefix;
    this.reader = new CheckpointIO.Reader(prefix);
  }

  /**
   * Opens a checkpoint: either a release directory (holding {@code bert_model.ckpt.index}) or an explicit prefix
   * ({@code <prefix>.index} exists).
   *
   * @throws IllegalArgumentException when neither is found
   */
  public static GoogleCheckpoint open(Path dirOrPrefix) {
    Objects.requireNonNull(dirOrPrefix, "dirOrPrefix");
    Path prefix = Files.isDirectory(dirOrPrefix) ? dirOrPrefix.resolve(CHECKPOINT_PREFIX) : dirOrPrefix;
    Path index = prefix.resolveSibling(prefix.getFileName() + ".index");
    if (!Files.isRegularFile(index)) {
      throw new IllegalArgumentException("no TF checkpoint at " + dirOrPrefix + " (expected " + index + ")");
    }
    return new GoogleCheckpoint(prefix);
  }

  /** The checkpoint prefix (files are {@code <prefix>.index} and {@code <prefix>.data-*}). */
  public Path prefix() {
    return prefix;
  }

  /**
   * The {@code bert_config.json} next to the checkpoint.
   *
   * @throws IllegalArgumentException when there is none or it is invalid
   */
  public BertConfig config() {
    Path file = prefix.resolveSibling(CONFIG_FILE);
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("no " + CONFIG_FILE + " next to " + prefix);
    }
    return BertConfig.read(file);
  }

  /** The {@code vocab.txt} next to the checkpoint, if present. */
  public Optional<Path> vocab() {
    Path file = prefix.resolveSibling(VOCAB_FILE);
    return Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
  }

  @Override
  public Optional<TFloat32> read(String name, Shape expectedShape) {
    return reader.read(name);
  }

  @Override
  public void close() {
    reader.close();
  }

  /**
   * Writes a V2 checkpoint at {@code prefix} holding {@code values} (flat row-major) with the given shapes, under
   * the given names; {@link #open} reads it back. For tools and tests; a training session saves its own
   * checkpoints with {@code Session.save}, under the same names.
   *
   * @throws IllegalArgumentException when a value has no shape or its length does not match it
   */
  public static void write(Path prefix, Map<String, float[]> values, Map<String, Shape> shapes) {
    List<String> names = new ArrayList<>(values.keySet());
    List<Shape> shapeList = new ArrayList<>();
    for (String n : names) {
      Shape s = shapes.get(n);
      if (s == null) {
        throw new IllegalArgumentException("no shape for " + n);
      }
      if (s.size() != values.get(n).length) {
        throw new IllegalArgumentException(String.format(Locale.ROOT, "%s has %d values, shape %s needs %d", n,
            values.get(n).length, s, s.size()));
      }
      FiniteWeights.require(n, values.get(n)); // NonFiniteWeightException: NaN or infinite weights are not written
      shapeList.add(s);
    }
    CheckpointIO.write(prefix, names, shapeList, names.stream().map(values::get).toList());
  }
}
