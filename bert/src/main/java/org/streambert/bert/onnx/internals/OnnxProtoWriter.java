package org.streambert.bert.onnx.internals;

import com.google.protobuf.CodedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.streambert.bert.onnx.internals.OnnxModel.Attribute;
import org.streambert.bert.onnx.internals.OnnxModel.Graph;
import org.streambert.bert.onnx.internals.OnnxModel.Model;
import org.streambert.bert.onnx.internals.OnnxModel.Node;
import org.streambert.bert.onnx.internals.OnnxModel.Tensor;
import org.streambert.bert.onnx.internals.OnnxModel.ValueInfo;

/**
 * Writes an {@link OnnxModel.Model} as an ONNX {@code ModelProto} (field numbers of onnx/onnx {@code onnx.proto}) with
 * protobuf's {@link CodedOutputStream}. Message sizes are computed before writing, so the weights are streamed
 * straight from their arrays: nothing is copied into one large buffer. Repeated scalars are written unpacked, as
 * {@code onnx.proto} (proto2) declares them.
 */
public final class OnnxProtoWriter {

  private OnnxProtoWriter() {
  }

  /** Writes {@code model} to {@code out} (not closed; flushed). */
  public static void write(Model model, OutputStream out) throws IOException {
    CodedOutputStream coded = CodedOutputStream.newInstance(out, 1 << 16);
    model(model).writeFields(coded);
    coded.flush();
  }

  /** The serialized model (for small models and tests). */
  public static byte[] toBytes(Model model) {
    Msg m = model(model);
    byte[] bytes = new byte[Math.toIntExact(m.size())];
    CodedOutputStream coded = CodedOutputStream.newInstance(bytes);
    try {
      m.writeFields(coded);
    } catch (IOException e) {
      throw new IllegalStateException("writing to an array cannot fail", e);
    }
    coded.checkNoSpaceLeft();
    return bytes;
  }

  private static Msg model(Model model) {
    Msg m = new Msg().int64(1, model.irVersion()); // ir_version
    m.string(2, model.producerName()).string(3, model.producerVersion()); // producer_name, producer_version
    m.message(7, graph(model.graph())); // graph
    for (Map.Entry<String, Long> opset : model.opsets().entrySet()) {
      m.message(8, new Msg().string(1, opset.getKey()).int64(2, opset.getValue())); // opset_import
    }
    for (Map.Entry<String, String> e : model.metadata().entrySet()) {
      m.message(14, new Msg().string(1, e.getKey()).string(2, e.getValue())); // metadata_props
    }
    return m;
  }

  private static Msg graph(Graph g) {
    Msg m = new Msg();
    for (Node n : g.nodes()) {
      m.message(1, node(n)); // node
    }
    m.string(2, g.name()); // name
    for (Tensor t : g.initializers()) {
      m.message(5, tensor(t)); // initializer
    }
    for (ValueInfo v : g.inputs()) {
      m.message(11, valueInfo(v)); // input
    }
    for (ValueInfo v : g.outputs()) {
      m.message(12, valueInfo(v)); // output
    }
    return m;
  }

  private static Msg node(Node n) {
    Msg m = new Msg();
    n.inputs().forEach(i -> m.stringAlways(1, i)); // input ("" = omitted optional input, kept for position)
    n.outputs().forEach(o -> m.stringAlways(2, o)); // output
    m.string(3, n.name()).string(4, n.opType()); // name, op_type
    for (Attribute a : n.attributes()) {
      m.message(5, attribute(a)); // attribute
    }
    m.string(7, n.domain()); // domain
    return m;
  }

  private static Msg attribute(Attribute a) {
    Msg m = new Msg().string(1, a.name()); // name
    switch (a.type()) {
      case OnnxModel.ATTR_FLOAT -> m.float32(2, a.f()); // f
      case OnnxModel.ATTR_INT -> m.int64Always(3, a.i()); // i
      case OnnxModel.ATTR_STRING -> m.stringAlways(4, a.s()); // s
      case OnnxModel.ATTR_TENSOR -> m.message(5, tensor(a.t())); // t
      case OnnxModel.ATTR_FLOATS -> {
        for (float f : a.floats()) {
          m.float32(7, f); // floats
        }
      }
      case OnnxModel.ATTR_INTS -> {
        for (long i : a.ints()) {
          m.int64Always(8, i); // ints
        }
      }
      default -> throw new IllegalArgumentException("attribute type " + a.type() + " is not written here");
    }
    return m.int64(20, a.type()); // type
  }

  private static Msg tensor(Tensor t) {
    Msg m = new Msg();
    for (long d : t.dims()) {
      m.int64Always(1, d); // dims
    }
    m.int64(2, t.dataType()); // data_type
    m.string(8, t.name()); // name
    m.bytes(9, t.raw()); // raw_data
    return m;
  }

  private static Msg valueInfo(ValueInfo v) {
    Msg shape = new Msg();
    for (Object d : v.dims()) {
      shape.message(1, d instanceof Long l ? new Msg().int64Always(1, l) : new Msg().string(2, (String) d)); // dim
    }
    Msg tensorType = new Msg().int64(1, v.elemType()).message(2, shape); // elem_type, shape
    return new Msg().string(1, v.name()).message(2, new Msg().message(1, tensorType)); // name, type.tensor_type
  }

  /** A message as a list of fields whose encoded size is known before anything is written. */
  private static final class Msg {
    private final List<Object[]> fields = new ArrayList<>(); // {kind, field number, value}
    private long size = -1;

    Msg int64(int field, long v) {
      return v == 0 ? this : int64Always(field, v);
    }

    Msg int64Always(int field, long v) {
      fields.add(new Object[] {'v', field, v});
      return this;
    }

    Msg float32(int field, float v) {
      fields.add(new Object[] {'f', field, v});
      return this;
    }

    Msg string(int field, String s) {
      return s == null || s.isEmpty() ? this : stringAlways(field, s);
    }

    Msg stringAlways(int field, String s) {
      return bytes(field, s.getBytes(StandardCharsets.UTF_8));
    }

    Msg bytes(int field, byte[] b) {
      fields.add(new Object[] {'b', field, b});
      return this;
    }

    Msg message(int field, Msg m) {
      fields.add(new Object[] {'m', field, m});
      return this;
    }

    long size() {
      if (size < 0) {
        long s = 0;
        for (Object[] f : fields) {
          int n = (Integer) f[1];
          s += switch ((char) f[0]) {
            case 'v' -> CodedOutputStream.computeInt64Size(n, (Long) f[2]);
            case 'f' -> CodedOutputStream.computeFloatSize(n, (Float) f[2]);
            case 'b' -> CodedOutputStream.computeByteArraySize(n, (byte[]) f[2]);
            default -> {
              long inner = ((Msg) f[2]).size();
              yield CodedOutputStream.computeTagSize(n) + CodedOutputStream.computeUInt64SizeNoTag(inner) + inner;
            }
          };
        }
        size = s;
      }
      return size;
    }

    void writeFields(CodedOutputStream out) throws IOException {
      for (Object[] f : fields) {
        int n = (Integer) f[1];
        switch ((char) f[0]) {
          case 'v' -> out.writeInt64(n, (Long) f[2]);
          case 'f' -> out.writeFloat(n, (Float) f[2]);
          case 'b' -> out.writeByteArray(n, (byte[]) f[2]);
          default -> {
            Msg inner = (Msg) f[2];
            out.writeTag(n, 2); // WIRETYPE_LENGTH_DELIMITED
            out.writeUInt64NoTag(inner.size());
            inner.writeFields(out);
          }
        }
      }
    }
  }
}
