package org.streambert.bert.model;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.streambert.bert.model.internals.TensorData;
import org.streambert.bert.model.internals.TruncatedNormal;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * Values for the variables of a {@link BertGraph}, looked up by Google checkpoint name
 * ({@code bert/embeddings/word_embeddings}, {@code cls_head/output_weights}, ...).
 *
 * <p>Importers of pretrained weights (in {@code org.streambert.bert.weights}) implement it; compose them with
 * {@link #orElse}, e.g. pretrained encoder and freshly initialised heads:
 * {@code pretrained.orElse(WeightSource.random(cfg.initializerRange(), seed))}. A source that holds native
 * resources closes them in {@link #close()}; whoever opened it closes it.
 */
public interface WeightSource extends AutoCloseable {

  /**
   * The value of {@code name}, as a new tensor that the caller closes, or empty when this source has no such weight.
   * The caller checks the shape against {@code expectedShape}; a source that stores flat data may use it to shape
   * the tensor.
   */
  Optional<TFloat32> read(String name, Shape expectedShape);

  /** Releases native resources; a no-op unless the source holds any. */
  @Override
  default void close() {
  }

  /** This source, falling back to {@code fallback} for weights this one lacks. Closing it closes neither. */
  default WeightSource orElse(WeightSource fallback) {
    Objects.requireNonNull(fallback, "fallback");
    WeightSource self = this;
    return (name, shape) -> {
      Optional<TFloat32> v = self.read(name, shape);
      return v.isPresent() ? v : fallback.read(name, shape);
    };
  }

  /**
   * Weights from flat row-major arrays, shaped by the variable's expected shape.
   *
   * @throws IllegalArgumentException on read, when an array's length does not match the variable's size
   */
  static WeightSource ofArrays(Map<String, float[]> values) {
    Map<String, float[]> copy = Map.copyOf(values);
    return (name, shape) -> {
      float[] v = copy.get(name);
      if (v == null) {
        return Optional.empty();
      }
      if (v.length != shape.size()) {
        throw new IllegalArgumentException("weight " + name + " has " + v.length + " values, variable shape "
            + shape + " needs " + shape.size());
      }
      return Optional.of(TensorData.floats(shape, v));
    };
  }

  /**
   * Google's initialisers ({@code modeling.py}, {@code run_classifier.py}): biases ({@code .../bias},
   * {@code output_bias}) and LayerNorm {@code beta} zero, LayerNorm {@code gamma} one, everything else
   * truncated-normal with the given stddev, cut at two stddevs. Deterministic per (seed, name), independent of the
   * order in which weights are read.
   */
  static WeightSource random(double stddev, long seed) {
    if (!(stddev > 0)) {
      throw new IllegalArgumentException("stddev must be positive, got " + stddev);
    }
    return (name, shape) -> {
      float[] v = new float[Math.toIntExact(shape.size())];
      if (name.endsWith("/gamma")) {
        java.util.Arrays.fill(v, 1f);
      } else if (!name.endsWith("bias") && !name.endsWith("/beta")) {
        TruncatedNormal.fill(v, stddev, seed * 0x9E3779B97F4A7C15L + name.hashCode());
      }
      return Optional.of(TensorData.floats(shape, v));
    };
  }
}
