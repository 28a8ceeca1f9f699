package org.streambert.bert.onnx.internals;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.streambert.bert.onnx.internals.OnnxModel.Attribute;
import org.streambert.bert.onnx.internals.OnnxModel.Graph;
import org.streambert.bert.onnx.internals.OnnxModel.Model;
import org.streambert.bert.onnx.internals.OnnxModel.Node;
import org.streambert.bert.onnx.internals.OnnxModel.Tensor;
import org.streambert.bert.onnx.internals.OnnxModel.ValueInfo;

/**
 * Reads an ONNX {@code ModelProto} into {@link OnnxModel} records. It refuses, rather than skips, every field that
 * could make ONNX Runtime do more than the records show: functions and training info on the model, sparse
 * initializers, subgraph and sparse attributes, attribute references, tensors with external data or segments, and
 * tensor payloads other than {@code raw_data}. Other unknown fields (doc strings, value_info, annotations) are
 * skipped. Every refusal is an {@link IllegalArgumentException} starting {@code onnx:}.
 */
public final class OnnxProtoReader {
  /** Most nodes of the graph (a BERT-large export has a few thousand). */
  public static final int MAX_NODES = 200_000;
  /** Most initialisers. */
  public static final int MAX_INITIALIZERS = 50_000;
  /** Most inputs, outputs or attributes of one node, and inputs or outputs of the graph. */
  public static final int MAX_EDGES = 1_024;
  /** Most values of one repeated attribute or dimension list. */
  public static final int MAX_LIST_VALUES = 4_096;

  private OnnxProtoReader() {
  }

  /**
   * Parses {@code bytes}.
   *
   * @param keepData whether tensors keep their bytes (false: {@link Tensor#raw()} is an empty array, for checks)
   */
  public static Model read(byte[] bytes, boolean keepData) {
    CodedInputStream in = CodedInputStream.newInstance(bytes);
    in.setSizeLimit(Integer.MAX_VALUE);
    try {
      return model(in, keepData);
    } catch (IOException e) { // InvalidProtocolBufferException: truncated or malformed
      throw new IllegalArgumentException("onnx: not a valid ModelProto (" + e.getMessage() + ")");
    }
  }

  private static Model model(CodedInputStream in, boolean keepData) throws IOException {
    long ir = 0;
    Map<String, Long> opsets = new LinkedHashMap<>();
    Map<String, String> metadata = new LinkedHashMap<>();
    String producer = "";
    String producerVersion = "";
    Graph graph = null;
    for (int tag; (tag = in.readTag()) != 0; ) {
      switch (WireFormat.getTagFieldNumber(tag)) {
        case 1 -> ir = in.readInt64();
        case 2 -> producer = in.readString();
        case 3 -> producerVersion = in.readString();
        case 7 -> {
          if (graph != null) {
            throw new IllegalArgumentException("onnx: the model has two graphs");
          }
          int limit = in.pushLimit(in.readRawVarint32());
          graph = graph(in, keepData);
          in.popLimit(limit);
        }
        case 8 -> {
          int limit = in.pushLimit(in.readRawVarint32());
          String domain = "";
          long version = 0;
          for (int t; (t = in.readTag()) != 0; ) {
            switch (WireFormat.getTagFieldNumber(t)) {
              case 1 -> domain = in.readString();
              case 2 -> version = in.readInt64();
              default -> in.skipField(t);
            }
          }
          in.popLimit(limit);
          opsets.put(domain, version);
        }
        case 14 -> {
          int limit = in.pushLimit(in.readRawVarint32());
          String key = "";
          String value = "";
          for (int t; (t = in.readTag()) != 0; ) {
            switch (WireFormat.getTagFieldNumber(t)) {
              case 1 -> key = in.readString();
              case 2 -> value = in.readString();
              default -> in.skipField(t);
            }
          }
          in.popLimit(limit);
          metadata.put(key, value);
        }
        case 20 -> throw new IllegalArgumentException("onnx: the model carries training_info (not read here)");
        case 25 -> throw new IllegalArgumentException("onnx: the model defines functions (not allowed)");
        default -> in.skipField(tag);
      }
    }
    if (graph == null) {
      throw new IllegalArgumentException("onnx: the model has no graph");
    }
    return new Model(ir, opsets, producer, producerVersion, graph, metadata);
  }

  private static Graph graph(CodedInputStream in, boolean keepData) throws IOException {
    List<Node> nodes = new ArrayList<>();
    List<Tensor> initializers = new ArrayList<>();
    List<ValueInfo> inputs = new ArrayList<>();
    List<ValueInfo> outputs = new ArrayList<>();
    String name = "";
    for (int tag; (tag = in.readTag()) != 0; ) {
      int field = WireFormat.getTagFieldNumber(tag);
      switch (field) {
        case 1, 5, 11, 12 -> {
          int limit = in.pushLimit(in.readRawVarint32());
          switch (field) {
            case 1 -> nodes.add(bounded(node(in), nodes.size(), MAX_NODES, "nodes"));
            case 5 -> initializers.add(bounded(tensor(in, keepData), initializers.size(), MAX_INITIALIZERS,
                "initialisers"));
            case 11 -> inputs.add(bounded(valueInfo(in), inputs.size(), MAX_EDGES, "graph inputs"));
            default -> outputs.add(bounded(valueInfo(in), outputs.size(), MAX_EDGES, "graph outputs"));
          }
          in.popLimit(limit);
        }
        case 2 -> name = in.readString();
        case 15 -> throw new IllegalArgumentException("onnx: the graph has sparse initializers (not read here)");
        default -> in.skipField(tag);
      }
    }
    return new Graph(name, nodes, initializers, inputs, outputs);
  }

  private static Node node(CodedInputStream in) throws IOException {
    List<String> inputs = new ArrayList<>();
    List<String> outputs = new ArrayList<>();
    List<Attribute> attributes = new ArrayList<>();
    String name = "";
    String op = "";
    String domain = "";
    for (int tag; (tag = in.readTag()) != 0; ) {
      switch (WireFormat.getTagFieldNumber(tag)) {
        case 1 -> inputs.add(bounded(in.readString(), inputs.size(), MAX_EDGES, "inputs of a node"));
        case 2 -> outputs.add(bounded(in.readString(), outputs.size(), MAX_EDGES, "outputs of a node"));
        case 3 -> name = in.readString();
        case 4 -> op = in.readString();
        case 5 -> {
          int limit = in.pushLimit(in.readRawVarint32());
          attributes.add(bounded(attribute(in), attributes.size(), MAX_EDGES, "attributes of a node"));
          in.popLimit(limit);
        }
        case 7 -> domain = in.readString();
        case 8 -> throw new IllegalArgumentException("onnx: node " + name + " has an overload (functions are not "
            + "allowed)");
        default -> in.skipField(tag);
      }
    }
    return new Node(op, domain, name, inputs, outputs, attributes);
  }

  private static Attribute attribute(CodedInputStream in) throws IOException {
    String name = "";
    int type = 0;
    float f = 0;
    long i = 0;
    String s = null;
    List<Long> ints = new ArrayList<>();
    List<Float> floats = new ArrayList<>();
    Tensor t = null;
    for (int tag; (tag = in.readTag()) != 0; ) {
      int field = WireFormat.getTagFieldNumber(tag);
      switch (field) {
        case 1 -> name = in.readString();
        case 2 -> f = in.readFloat();
        case 3 -> i = in.readInt64();
        case 4 -> s = in.readBytes().toStringUtf8();
        case 5 -> {
          int limit = in.pushLimit(in.readRawVarint32());
          t = tensor(in, true);
          in.popLimit(limit);
        }
        case 7 -> readRepeatedFloats(in, tag, floats);
        case 8 -> readRepeatedLongs(in, tag, ints);
        case 20 -> type = in.readInt32();
        case 6, 10, 11, 22, 23 -> throw new IllegalArgumentException("onnx: attribute " + name + " holds a graph, "
            + "a list of tensors or a sparse tensor (not allowed)");
        case 21 -> throw new IllegalArgumentException("onnx: attribute " + name + " refers to a function attribute "
            + "(not allowed)");
        default -> in.skipField(tag);
      }
    }
    return new Attribute(name, type, f, i, s, ints.stream().mapToLong(Long::longValue).toArray(),
        toArray(floats), t);
  }

  private static Tensor tensor(CodedInputStream in, boolean keepData) throws IOException {
    List<Long> dims = new ArrayList<>();
    int type = 0;
    String name = "";
    byte[] raw = new byte[0];
    for (int tag; (tag = in.readTag()) != 0; ) {
      int field = WireFormat.getTagFieldNumber(tag);
      switch (field) {
        case 1 -> readRepeatedLongs(in, tag, dims);
        case 2 -> type = in.readInt32();
        case 8 -> name = in.readString();
        case 9 -> {
          int length = in.readRawVarint32();
          if (keepData) {
            raw = in.readRawBytes(length);
          } else {
            in.skipRawBytes(length);
          }
        }
        case 13, 14 -> throw new IllegalArgumentException("onnx: tensor " + name + " has external data (not allowed: "
            + "every weight must be inside the file)");
        case 3 -> throw new IllegalArgumentException("onnx: tensor " + name + " is segmented (not read here)");
        case 4, 5, 6, 7, 10, 11 -> throw new IllegalArgumentException("onnx: tensor " + name + " stores its values "
            + "outside raw_data (not read here)");
        default -> in.skipField(tag);
      }
    }
    return new Tensor(name, type, dims.stream().mapToLong(Long::longValue).toArray(), raw);
  }

  private static ValueInfo valueInfo(CodedInputStream in) throws IOException {
    String name = "";
    int elemType = 0;
    List<Object> dims = new ArrayList<>();
    for (int tag; (tag = in.readTag()) != 0; ) {
      switch (WireFormat.getTagFieldNumber(tag)) {
        case 1 -> name = in.readString();
        case 2 -> { // TypeProto
          int typeLimit = in.pushLimit(in.readRawVarint32());
          for (int t; (t = in.readTag()) != 0; ) {
            if (WireFormat.getTagFieldNumber(t) != 1) { // only tensor_type
              throw new IllegalArgumentException("onnx: value " + name + " is not a tensor");
            }
            int tensorLimit = in.pushLimit(in.readRawVarint32());
            for (int u; (u = in.readTag()) != 0; ) {
              switch (WireFormat.getTagFieldNumber(u)) {
                case 1 -> elemType = in.readInt32();
                case 2 -> {
                  int shapeLimit = in.pushLimit(in.readRawVarint32());
                  for (int v; (v = in.readTag()) != 0; ) {
                    if (WireFormat.getTagFieldNumber(v) != 1) {
                      in.skipField(v);
                      continue;
                    }
                    int dimLimit = in.pushLimit(in.readRawVarint32());
                    Object dim = "?";
                    for (int w; (w = in.readTag()) != 0; ) {
                      switch (WireFormat.getTagFieldNumber(w)) {
                        case 1 -> dim = in.readInt64();
                        case 2 -> dim = in.readString();
                        default -> in.skipField(w);
                      }
                    }
                    in.popLimit(dimLimit);
                    dims.add(dim);
                  }
                  in.popLimit(shapeLimit);
                }
                default -> in.skipField(u);
              }
            }
            in.popLimit(tensorLimit);
          }
          in.popLimit(typeLimit);
        }
        default -> in.skipField(tag);
      }
    }
    return new ValueInfo(name, elemType, dims);
  }

  private static void readRepeatedLongs(CodedInputStream in, int tag, List<Long> out) throws IOException {
    if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
      int limit = in.pushLimit(in.readRawVarint32());
      while (in.getBytesUntilLimit() > 0) {
        out.add(bounded(in.readInt64(), out.size(), MAX_LIST_VALUES, "values in a list"));
      }
      in.popLimit(limit);
    } else {
      out.add(bounded(in.readInt64(), out.size(), MAX_LIST_VALUES, "values in a list"));
    }
  }

  private static void readRepeatedFloats(CodedInputStream in, int tag, List<Float> out) throws IOException {
    if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
      int limit = in.pushLimit(in.readRawVarint32());
      while (in.getBytesUntilLimit() > 0) {
        out.add(bounded(in.readFloat(), out.size(), MAX_LIST_VALUES, "values in a list"));
      }
      in.popLimit(limit);
    } else {
      out.add(bounded(in.readFloat(), out.size(), MAX_LIST_VALUES, "values in a list"));
    }
  }

  /** {@code value}, unless a list that already holds {@code size} items may hold at most {@code max}. */
  private static <T> T bounded(T value, int size, int max, String what) {
    if (size >= max) {
      throw new IllegalArgumentException("onnx: more than " + max + " " + what);
    }
    return value;
  }

  private static float[] toArray(List<Float> values) {
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.get(i);
    }
    return out;
  }
}
