package org.streambert.bert.onnx.internals;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** One protobuf message written field by field: hostile ONNX files for the reader's tests. */
public final class ProtoMsg {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final CodedOutputStream out = CodedOutputStream.newInstance(bytes);

  public ProtoMsg varint(int field, long v) throws IOException {
    out.writeInt64(field, v);
    return this;
  }

  public ProtoMsg string(int field, String s) throws IOException {
    out.writeString(field, s);
    return this;
  }

  public ProtoMsg bytes(int field, byte[] b) throws IOException {
    out.writeByteArray(field, b);
    return this;
  }

  public ProtoMsg message(int field, ProtoMsg m) throws IOException {
    return bytes(field, m.toBytes());
  }

  public ProtoMsg fixed32(int field, float v) throws IOException {
    out.writeFloat(field, v);
    return this;
  }

  public byte[] toBytes() throws IOException {
    out.flush();
    return bytes.toByteArray();
  }

  /** TensorProto{dims, data_type, name}; data fields added by the caller. */
  public static ProtoMsg tensor(String name, int type, long... dims) throws IOException {
    ProtoMsg t = new ProtoMsg();
    for (long d : dims) {
      t.varint(1, d);
    }
    return t.varint(2, type).string(8, name);
  }

  /** A FLOAT tensor with raw_data of {@code values}. */
  public static ProtoMsg floatTensor(String name, float[] values, long... dims) throws IOException {
    return tensor(name, OnnxModel.FLOAT, dims).bytes(9, floats(values));
  }

  /** NodeProto{input, output, op_type}. */
  public static ProtoMsg node(String op, String[] inputs, String... outputs) throws IOException {
    ProtoMsg n = new ProtoMsg();
    for (String i : inputs) {
      n.string(1, i);
    }
    for (String o : outputs) {
      n.string(2, o);
    }
    return n.string(4, op);
  }

  public static byte[] floats(float... v) {
    ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(v);
    return b.array();
  }

  /** ModelProto{ir_version 8, opset ai.onnx 17, graph{initializer: tensors}}. */
  public static byte[] model(ProtoMsg... initializers) throws IOException {
    return model(new ProtoMsg[0], initializers);
  }

  /** ModelProto{ir_version 8, opset ai.onnx 17, graph{node: nodes, initializer: tensors}}. */
  public static byte[] model(ProtoMsg[] nodes, ProtoMsg... initializers) throws IOException {
    ProtoMsg graph = new ProtoMsg().string(2, "g");
    for (ProtoMsg n : nodes) {
      graph.message(1, n);
    }
    for (ProtoMsg t : initializers) {
      graph.message(5, t);
    }
    return new ProtoMsg().varint(1, 8).message(8, new ProtoMsg().string(1, "").varint(2, 17)).message(7, graph)
        .toBytes();
  }
}
