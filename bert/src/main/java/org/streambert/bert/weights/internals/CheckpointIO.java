package org.streambert.bert.weights.internals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.streambert.bert.model.internals.TensorData;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.train.Restore;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TString;

/** Reads and writes TF V2 checkpoints ({@code RestoreV2} / {@code SaveV2}) from plain Java. */
public final class CheckpointIO {
  private CheckpointIO() {
  }

  /**
   * Reads float tensors by name from one checkpoint through a single {@code RestoreV2} op whose prefix and name are
   * fed per call. Owns a graph and session, freed by {@link #close()}. Thread-safe (reads are serialised).
   */
  public static final class Reader implements AutoCloseable {
    private final String prefix;
    private final Graph graph = new Graph();
    private final Session session;
    private final Placeholder<TString> prefixIn;
    private final Placeholder<TString> nameIn;
    private final Operand<TFloat32> value;
    private boolean closed;

    public Reader(Path prefix) {
      this.prefix = prefix.toString();
      try {
        Ops tf = Ops.create(graph);
        prefixIn = tf.withName("prefix").placeholder(TString.class, Placeholder.shape(Shape.scalar()));
        nameIn = tf.withName("tensor_names").placeholder(TString.class, Placeholder.shape(Shape.of(1)));
        Restore restore = tf.train.restore(prefixIn, nameIn, tf.constant(StandardCharsets.UTF_8, new String[] {""}),
            List.of(TFloat32.class));
        @SuppressWarnings("unchecked")
        Operand<TFloat32> v = (Operand<TFloat32>) restore.tensors().get(0);
        value = v;
        session = new Session(graph);
      } catch (RuntimeException e) {
        graph.close();
        throw e;
      }
    }

    /** The tensor {@code name} as a new tensor the caller closes, or empty when the checkpoint lacks it. */
    public synchronized Optional<TFloat32> read(String name) {
      if (closed) {
        throw new IllegalStateException("checkpoint reader is closed");
      }
      try (TString p = TString.scalarOf(prefix);
          TString n = TString.vectorOf(name)) {
        Result r;
        try {
          r = session.runner().feed(prefixIn, p).feed(nameIn, n).fetch(value).run();
        } catch (TensorFlowException e) {
          if (String.valueOf(e.getMessage()).contains("not found in checkpoint")) {
            return Optional.empty();
          }
          throw new IllegalArgumentException("cannot read " + name + " from checkpoint " + prefix + ": "
              + e.getMessage(), e);
        }
        // The Result's tensor becomes the caller's: detach it by not closing the Result.
        return Optional.of((TFloat32) r.get(0));
      }
    }

    @Override
    public synchronized void close() {
      if (!closed) {
        closed = true;
        session.close();
        graph.close();
      }
    }
  }

  /** Writes {@code values[i]} with {@code shapes[i]} under {@code names[i]} as a V2 checkpoint at {@code prefix}. */
  public static void write(Path prefix, List<String> names, List<Shape> shapes, List<float[]> values) {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      List<Operand<?>> inputs = new ArrayList<>();
      List<Placeholder<TFloat32>> placeholders = new ArrayList<>();
      for (int i = 0; i < names.size(); i++) {
        Placeholder<TFloat32> p = tf.placeholder(TFloat32.class, Placeholder.shape(shapes.get(i)));
        placeholders.add(p);
        inputs.add(p);
      }
      Placeholder<TString> prefixIn = tf.placeholder(TString.class, Placeholder.shape(Shape.scalar()));
      var save = tf.train.save(prefixIn, tf.constant(StandardCharsets.UTF_8, names.toArray(String[]::new)),
          tf.constant(StandardCharsets.UTF_8, names.stream().map(n -> "").toArray(String[]::new)), inputs);
      List<Tensor> fed = new ArrayList<>();
      try (TString p = TString.scalarOf(prefix.toString())) {
        Session.Runner runner = s.runner().feed(prefixIn, p).addTarget(save);
        for (int i = 0; i < names.size(); i++) {
          TFloat32 t = TensorData.floats(shapes.get(i), values.get(i));
          fed.add(t);
          runner.feed(placeholders.get(i), t);
        }
        runner.run();
      } finally {
        fed.forEach(Tensor::close);
      }
    }
  }
}
