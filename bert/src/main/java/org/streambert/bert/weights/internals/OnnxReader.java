package org.streambert.bert.weights.internals;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A bounded reader of the parts of an ONNX model ({@code onnx.proto}: ModelProto → GraphProto) that weight import
 * needs: the graph's nodes (op type, inputs, outputs, the small int64 values of {@code Constant} nodes) and its
 * initialisers' names, types, shapes and where their bytes are. It decodes the protobuf wire format directly with
 * protobuf-java's {@link CodedInputStream} (no generated classes), streaming: tensor bytes are skipped while parsing and
 * read later by position, so memory stays at the size of the graph's metadata plus one tensor.
 *
 * <p>The file is attacker input: its size, the node, initialiser and name counts and lengths, ranks and dimensions
 * are bounded, a tensor's byte length must equal its element count times its type's size, external data (tensor bytes
 * in another file, named by a path inside the model) and non-float weights are refused when read. Errors are
 * {@link IllegalArgumentException}s naming the file and the tensor or node. Nothing of the graph is executed.
 */
public final class OnnxReader {
  /** Largest model file (protobuf's own limit is 2 GiB). */
  public static final long MAX_FILE_BYTES = Integer.MAX_VALUE;
  /** Most nodes in the main graph. */
  public static final int MAX_NODES = 200_000;
  /** Most initialisers. */
  public static final int MAX_INITIALIZERS = 50_000;
  /** Longest name (tensor, node, op type), in bytes. */
  public static final int MAX_NAME_BYTES = 4_096;
  /** Most inputs or outputs of one node, attributes of one node. */
  public static final int MAX_EDGES = 1_024;
  /** Highest tensor rank. */
  public static final int MAX_RANK = 8;
  /** Most elements of a Constant node's value kept (shape constants; larger constants are skipped). */
  public static final int MAX_CONSTANT_ELEMENTS = 64;

  /** ONNX TensorProto.DataType values used here. */
  public static final int FLOAT = 1;
  public static final int INT64 = 7;

  private OnnxReader() {}

  /** A node of the main graph. {@code constant} holds a Constant node's int64 value (small ones only), else null. */
  public record Node(String name, String opType, List<String> inputs, List<String> outputs, long[] constant) {}

  /**
   * An initialiser: its data type, shape, and the file position and length of its bytes ({@code raw_data}, or packed
   * {@code float_data}); {@code external} when its bytes live in another file (refused on read).
   */
  public record Tensor(String name, int dataType, long[] dims, long offset, long length, boolean external) {
    public long elements() {
      long n = 1;
      for (long d : dims) {
        n *= d;
      }
      return n;
    }

    public String shapeString() {
      return java.util.Arrays.toString(dims);
    }
  }

  /** What was read: the model's opset and the main graph. */
  public record Model(Path file, long irVersion, Map<String, Long> opsets, List<Node> nodes,
      Map<String, Tensor> initializers, List<String> inputs, List<String> outputs) {}

  /**
   * Parses {@code file}'s metadata (no tensor bytes are read).
   *
   * @throws IllegalArgumentException naming the file (and tensor or node) when it is not an ONNX model or out of bounds
   */
  public static Model read(Path file) throws IOException {
    long size = Files.size(file);
    if (size > MAX_FILE_BYTES) {
      throw new IllegalArgumentException(file + " is " + size + " bytes, more than the " + MAX_FILE_BYTES
          + " an ONNX protobuf may hold");
    }
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      CodedInputStream cis = CodedInputStream.newInstance(in);
      cis.setSizeLimit(Integer.MAX_VALUE);
      Parser p = new Parser(file, cis, size);
      return p.model();
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalArgumentException(file + " is not a valid ONNX protobuf: " + e.getMessage());
    }
  }

  /**
   * The float values of an initialiser, row-major little-endian.
   *
   * @throws IllegalArgumentException naming the tensor when it is not FLOAT, its bytes are external, or the file is
   *                                  shorter than its offsets say
   */
  public static float[] readFloats(Path file, Tensor t) throws IOException {
    if (t.external()) {
      throw new IllegalArgumentException(file + ": tensor " + t.name() + " keeps its data in an external file; "
          + "external data is refused (re-export with the weights inside the model, size permitting)");
    }
    if (t.dataType() != FLOAT) {
      throw new IllegalArgumentException(file + ": tensor " + t.name() + " has ONNX data type " + t.dataType()
          + (t.dataType() == 2 || t.dataType() == 3 ? " (quantised int8/uint8)" : "")
          + "; weights must be FLOAT (1): use the float model, not a quantised or half-precision export");
    }
    int n = (int) t.elements();
    float[] out = new float[n];
    ByteBuffer buf = ByteBuffer.allocate((int) t.length()).order(ByteOrder.LITTLE_ENDIAN);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long p = t.offset();
      while (buf.hasRemaining()) {
        int r = ch.read(buf, p);
        if (r < 0) {
          throw new IllegalArgumentException(file + ": truncated inside tensor " + t.name());
        }
        p += r;
      }
    }
    buf.flip().asFloatBuffer().get(out);
    return out;
  }

  private static final class Parser {
    private final Path file;
    private final CodedInputStream in;
    private final long size;

    Parser(Path file, CodedInputStream in, long size) {
      this.file = file;
      this.in = in;
      this.size = size;
    }

    Model model() throws IOException {
      long ir = 0;
      Map<String, Long> opsets = new LinkedHashMap<>();
      List<Node> nodes = null;
      Map<String, Tensor> inits = null;
      List<String> inputs = null;
      List<String> outputs = null;
      while (true) {
        int tag = in.readTag();
        if (tag == 0) {
          break;
        }
        int field = WireFormat.getTagFieldNumber(tag);
        if (field == 1 && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_VARINT) {
          ir = in.readInt64();
        } else if (field == 8 && isDelimited(tag)) { // opset_import
          int limit = in.pushLimit(length());
          String domain = "";
          long version = 0;
          while (!in.isAtEnd()) {
            int t = in.readTag();
            int f = WireFormat.getTagFieldNumber(t);
            if (f == 1 && isDelimited(t)) {
              domain = string();
            } else if (f == 2 && WireFormat.getTagWireType(t) == WireFormat.WIRETYPE_VARINT) {
              version = in.readInt64();
            } else {
              in.skipField(t);
            }
          }
          in.popLimit(limit);
          if (opsets.size() < 64) {
            opsets.put(domain, version);
          }
        } else if (field == 7 && isDelimited(tag)) { // graph
          if (nodes != null) {
            throw new IllegalArgumentException(file + " has two graphs");
          }
          int limit = in.pushLimit(length());
          nodes = new ArrayList<>();
          inits = new LinkedHashMap<>();
          inputs = new ArrayList<>();
          outputs = new ArrayList<>();
          graph(nodes, inits, inputs, outputs);
          in.popLimit(limit);
        } else {
          in.skipField(tag);
        }
      }
      if (nodes == null) {
        throw new IllegalArgumentException(file + " has no graph (not an ONNX model)");
      }
      return new Model(file, ir, Collections.unmodifiableMap(opsets), List.copyOf(nodes),
          Collections.unmodifiableMap(inits), List.copyOf(inputs), List.copyOf(outputs));
    }

    private void graph(List<Node> nodes, Map<String, Tensor> inits, List<String> inputs, List<String> outputs)
        throws IOException {
      while (!in.isAtEnd()) {
        int tag = in.readTag();
        int field = WireFormat.getTagFieldNumber(tag);
        if (field == 1 && isDelimited(tag)) {
          if (nodes.size() >= MAX_NODES) {
            throw new IllegalArgumentException(file + ": more than " + MAX_NODES + " nodes");
          }
          int limit = in.pushLimit(length());
          nodes.add(node());
          in.popLimit(limit);
        } else if (field == 5 && isDelimited(tag)) {
          if (inits.size() >= MAX_INITIALIZERS) {
            throw new IllegalArgumentException(file + ": more than " + MAX_INITIALIZERS + " initialisers");
          }
          int limit = in.pushLimit(length());
          Tensor t = tensor(false).tensor;
          in.popLimit(limit);
          if (inits.putIfAbsent(t.name(), t) != null) {
            throw new IllegalArgumentException(file + ": initialiser " + t.name() + " appears twice");
          }
        } else if ((field == 11 || field == 12) && isDelimited(tag)) { // input / output ValueInfoProto: name only
          int limit = in.pushLimit(length());
          String name = "";
          while (!in.isAtEnd()) {
            int t = in.readTag();
            if (WireFormat.getTagFieldNumber(t) == 1 && isDelimited(t)) {
              name = string();
            } else {
              in.skipField(t);
            }
          }
          in.popLimit(limit);
          List<String> side = field == 11 ? inputs : outputs;
          if (side.size() < MAX_EDGES) {
            side.add(name);
          }
        } else {
          in.skipField(tag);
        }
      }
    }

    private Node node() throws IOException {
      String name = "";
      String opType = "";
      List<String> inputs = new ArrayList<>();
      List<String> outputs = new ArrayList<>();
      long[] constant = null;
      int attributes = 0;
      while (!in.isAtEnd()) {
        int tag = in.readTag();
        int field = WireFormat.getTagFieldNumber(tag);
        if ((field == 1 || field == 2) && isDelimited(tag)) {
          List<String> side = field == 1 ? inputs : outputs;
          if (side.size() >= MAX_EDGES) {
            throw new IllegalArgumentException(file + ": node " + name + " has more than " + MAX_EDGES + " edges");
          }
          side.add(string());
        } else if (field == 3 && isDelimited(tag)) {
          name = string();
        } else if (field == 4 && isDelimited(tag)) {
          opType = string();
        } else if (field == 5 && isDelimited(tag)) {
          if (++attributes > MAX_EDGES) {
            throw new IllegalArgumentException(file + ": node " + name + " has more than " + MAX_EDGES
                + " attributes");
          }
          int limit = in.pushLimit(length());
          long[] value = attribute();
          in.popLimit(limit);
          if (value != null) {
            constant = value;
          }
        } else {
          in.skipField(tag);
        }
      }
      return new Node(name, opType, List.copyOf(inputs), List.copyOf(outputs),
          opType.equals("Constant") ? constant : null);
    }

    /** An attribute; returns the int64 values of a small tensor attribute named "value", else null. */
    private long[] attribute() throws IOException {
      String name = "";
      TensorAndValues tensor = null;
      while (!in.isAtEnd()) {
        int tag = in.readTag();
        int field = WireFormat.getTagFieldNumber(tag);
        if (field == 1 && isDelimited(tag)) {
          name = string();
        } else if (field == 5 && isDelimited(tag)) {
          int limit = in.pushLimit(length());
          tensor = tensor(true);
          in.popLimit(limit);
        } else {
          in.skipField(tag); // subgraphs, strings, floats: not needed
        }
      }
      return name.equals("value") && tensor != null ? tensor.int64 : null;
    }

    private record TensorAndValues(Tensor tensor, long[] int64) {}

    /** A TensorProto; with {@code keepSmallInt64}, the values of a small INT64 tensor are decoded too. */
    private TensorAndValues tensor(boolean keepSmallInt64) throws IOException {
      String name = "";
      int dataType = 0;
      List<Long> dims = new ArrayList<>();
      long offset = -1;
      long length = 0;
      boolean external = false;
      byte[] smallRaw = null;
      List<Long> int64Data = new ArrayList<>();
      while (!in.isAtEnd()) {
        int tag = in.readTag();
        int field = WireFormat.getTagFieldNumber(tag);
        int wire = WireFormat.getTagWireType(tag);
        if (field == 1) { // dims: packed or not
          if (wire == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            int limit = in.pushLimit(length());
            while (!in.isAtEnd()) {
              addDim(dims, in.readInt64(), name);
            }
            in.popLimit(limit);
          } else {
            addDim(dims, in.readInt64(), name);
          }
        } else if (field == 2 && wire == WireFormat.WIRETYPE_VARINT) {
          dataType = in.readInt32();
        } else if (field == 8 && wire == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
          name = string();
        } else if ((field == 9 || field == 4) && wire == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
          // raw_data, or packed float_data (little-endian floats, the same layout)
          int len = length();
          offset = in.getTotalBytesRead();
          length = len;
          if (keepSmallInt64 && len <= MAX_CONSTANT_ELEMENTS * 8) {
            smallRaw = in.readRawBytes(len);
          } else {
            in.skipRawBytes(len);
          }
        } else if (field == 7 && keepSmallInt64) { // int64_data
          if (wire == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            int limit = in.pushLimit(length());
            while (!in.isAtEnd() && int64Data.size() <= MAX_CONSTANT_ELEMENTS) {
              int64Data.add(in.readInt64());
            }
            in.popLimit(limit);
          } else if (int64Data.size() <= MAX_CONSTANT_ELEMENTS) {
            int64Data.add(in.readInt64());
          } else {
            in.skipField(tag);
          }
        } else if (field == 14 && wire == WireFormat.WIRETYPE_VARINT) {
          external = in.readInt32() == 1;
        } else if (field == 13) {
          external = true;
          in.skipField(tag);
        } else {
          in.skipField(tag);
        }
      }
      long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
      Tensor t = new Tensor(name, dataType, shape, offset, length, external);
      if (!external && offset >= 0) {
        int elementBytes = switch (dataType) {
          case FLOAT, 6 -> 4;
          case INT64, 11 -> 8;
          case 2, 3, 9 -> 1;
          case 4, 5, 10, 16 -> 2;
          default -> -1;
        };
        if (elementBytes > 0 && t.elements() * elementBytes != length) {
          throw new IllegalArgumentException(file + ": tensor " + OnnxReader.printable(name) + " holds " + length
              + " bytes, but data type " + dataType + " shape " + t.shapeString() + " needs "
              + t.elements() * elementBytes);
        }
        if (offset + length > size) {
          throw new IllegalArgumentException(file + ": tensor " + OnnxReader.printable(name) + " ends past the file");
        }
      }
      long[] int64 = null;
      if (keepSmallInt64 && dataType == INT64 && t.elements() <= MAX_CONSTANT_ELEMENTS) {
        if (smallRaw != null) {
          ByteBuffer b = ByteBuffer.wrap(smallRaw).order(ByteOrder.LITTLE_ENDIAN);
          int64 = new long[smallRaw.length / 8];
          for (int i = 0; i < int64.length; i++) {
            int64[i] = b.getLong();
          }
        } else if (int64Data.size() == t.elements()) {
          int64 = int64Data.stream().mapToLong(Long::longValue).toArray();
        }
      }
      return new TensorAndValues(t, int64);
    }

    private void addDim(List<Long> dims, long d, String tensor) {
      if (dims.size() >= MAX_RANK || d < 0 || d > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(file + ": tensor " + OnnxReader.printable(tensor)
            + " has a rank over " + MAX_RANK + " or a dimension outside [0, " + Integer.MAX_VALUE + "]");
      }
      dims.add(d);
      long n = 1;
      for (long x : dims) {
        n = Math.multiplyExact(n, Math.max(x, 1));
      }
      if (n > Integer.MAX_VALUE - 8) {
        throw new IllegalArgumentException(file + ": tensor " + OnnxReader.printable(tensor) + " has more than "
            + (Integer.MAX_VALUE - 8) + " elements");
      }
    }

    private int length() throws IOException {
      int len = in.readRawVarint32();
      if (len < 0 || len > size) {
        throw new IllegalArgumentException(file + ": a field declares " + len + " bytes, more than the file holds");
      }
      return len;
    }

    private String string() throws IOException {
      int len = length();
      if (len > MAX_NAME_BYTES) {
        throw new IllegalArgumentException(file + ": a name of " + len + " bytes, more than " + MAX_NAME_BYTES);
      }
      return new String(in.readRawBytes(len), StandardCharsets.UTF_8);
    }

    private static boolean isDelimited(int tag) {
      return WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED;
    }
  }

  static String printable(String s) {
    return HfFiles.printable(s);
  }
}
