package org.streambert.bert.onnx.internals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The subset of ONNX's {@code onnx.proto} (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto,
 * ValueInfoProto) that this project writes and checks, as plain records. {@link OnnxProtoWriter} writes them,
 * {@link OnnxProtoReader} reads them back and refuses what the records cannot hold (subgraphs, functions, external
 * data, sparse tensors), so what is checked is everything the file says.
 */
public final class OnnxModel {
  /** {@code TensorProto.DataType} values used here. */
  public static final int FLOAT = 1;
  public static final int UINT8 = 2;
  public static final int INT8 = 3;
  public static final int INT32 = 6;
  public static final int INT64 = 7;

  /** {@code AttributeProto.AttributeType} values used here. */
  public static final int ATTR_FLOAT = 1;
  public static final int ATTR_INT = 2;
  public static final int ATTR_STRING = 3;
  public static final int ATTR_TENSOR = 4;
  public static final int ATTR_FLOATS = 6;
  public static final int ATTR_INTS = 7;

  private OnnxModel() {
  }

  /**
   * A whole model.
   *
   * @param irVersion {@code ModelProto.ir_version}
   * @param opsets    domain ("" for ai.onnx) to version
   * @param metadata  {@code metadata_props}, in order
   */
  public record Model(long irVersion, Map<String, Long> opsets, String producerName, String producerVersion,
      Graph graph, Map<String, String> metadata) {
  }

  /** A graph: nodes in topological order, weights as initializers, typed inputs and outputs. */
  public record Graph(String name, List<Node> nodes, List<Tensor> initializers, List<ValueInfo> inputs,
      List<ValueInfo> outputs) {
  }

  /** One node. An empty input name is an omitted optional input. */
  public record Node(String opType, String domain, String name, List<String> inputs, List<String> outputs,
      List<Attribute> attributes) {

    public Node {
      inputs = List.copyOf(inputs);
      outputs = List.copyOf(outputs);
      attributes = List.copyOf(attributes);
    }

    /** The attribute named {@code name}, or null. */
    public Attribute attribute(String name) {
      for (Attribute a : attributes) {
        if (a.name().equals(name)) {
          return a;
        }
      }
      return null;
    }
  }

  /** One attribute; only the field its {@code type} names is meaningful. */
  public record Attribute(String name, int type, float f, long i, String s, long[] ints, float[] floats,
      Tensor t) {

    public static Attribute ofInt(String name, long v) {
      return new Attribute(name, ATTR_INT, 0, v, null, null, null, null);
    }

    public static Attribute ofFloat(String name, float v) {
      return new Attribute(name, ATTR_FLOAT, v, 0, null, null, null, null);
    }

    public static Attribute ofInts(String name, long... v) {
      return new Attribute(name, ATTR_INTS, 0, 0, null, v.clone(), null, null);
    }

    public static Attribute ofString(String name, String v) {
      return new Attribute(name, ATTR_STRING, 0, 0, v, null, null, null);
    }
  }

  /** Where a tensor's bytes are in the file it was read from (raw_data or packed float_data): offset and length. */
  public record Location(long offset, long length) {
  }

  /**
   * A dense tensor with its bytes in {@code raw} (little-endian, row-major), as {@code TensorProto.raw_data} holds
   * them. A tensor read in streaming mode ({@link OnnxProtoReader#read(java.nio.file.Path)}) keeps only small
   * {@code raw} bytes and gives the place of its bytes in the file as {@code location} (null otherwise).
   */
  public record Tensor(String name, int dataType, long[] dims, byte[] raw, Location location) {

    public Tensor {
      Objects.requireNonNull(name, "name");
      dims = dims.clone();
    }

    /** A tensor held in memory. */
    public Tensor(String name, int dataType, long[] dims, byte[] raw) {
      this(name, dataType, dims, raw, null);
    }

    /** Number of elements ({@code dims}' product; 1 for a scalar). */
    public long size() {
      return Arrays.stream(dims).reduce(1, Math::multiplyExact);
    }

    public static Tensor floats(String name, float[] values, long... dims) {
      ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
      b.asFloatBuffer().put(values);
      return new Tensor(name, FLOAT, dims, b.array());
    }

    public static Tensor longs(String name, long[] values, long... dims) {
      ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
      b.asLongBuffer().put(values);
      return new Tensor(name, INT64, dims, b.array());
    }

    /** The values of a {@link #FLOAT} tensor. */
    public float[] toFloats() {
      if (dataType != FLOAT) {
        throw new IllegalStateException(name + " is not a float tensor");
      }
      float[] out = new float[raw.length / 4];
      ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
      return out;
    }
  }

  /**
   * A typed graph input or output: element type and dimensions, each a fixed size or a symbolic name.
   *
   * @param dims each either a {@link Long} or a {@link String} (symbolic dimension)
   */
  public record ValueInfo(String name, int elemType, List<Object> dims) {

    public ValueInfo {
      dims = new ArrayList<>(dims);
      for (Object d : dims) {
        if (!(d instanceof Long) && !(d instanceof String)) {
          throw new IllegalArgumentException("a dimension is a Long or a String, not " + d);
        }
      }
      dims = List.copyOf(dims);
    }
  }
}
