package org.streambert.bert.onnx.internals;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.io.InputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.streambert.bert.onnx.internals.OnnxModel.Attribute;
import org.streambert.bert.onnx.internals.OnnxModel.Graph;
import org.streambert.bert.onnx.internals.OnnxModel.Model;
import org.streambert.bert.onnx.internals.OnnxModel.Node;
import org.streambert.bert.onnx.internals.OnnxModel.Tensor;
import org.streambert.bert.onnx.internals.OnnxModel.ValueInfo;

/**
 * The project's one reader of ONNX's {@code ModelProto} (issue 30): it decodes the protobuf wire format with
 * protobuf-java's {@link CodedInputStream} (no generated classes) into {@link OnnxModel} records, under one set of
 * bounds. Two modes:
 *
 * <ul>
 *   <li>{@link #read(byte[], boolean)}, <b>strict</b>, for serving and quantizing: it refuses, rather than skips, every
 *       field that could make ONNX Runtime do more than the records show: functions and training info on the model,
 *       sparse initializers, subgraph and sparse attributes, attribute references, node overloads, and tensor values
 *       outside {@code raw_data}. Other unknown fields (doc strings, value_info, annotations) are skipped.</li>
 *   <li>{@link #read(Path)}, <b>streaming</b>, for weight import: nothing of the graph runs, so subgraphs and functions
 *       are skipped; tensor values may be in {@code raw_data} or in the typed fields ({@code float_data},
 *       {@code int64_data}, ...); tensor bytes are not held (only those of tensors up to {@link #MAX_KEPT_BYTES},
 *       e.g. shape constants) but their place in the file is ({@link OnnxModel.Location}), and {@link #readFloats}
 *       reads one tensor later. Memory stays at the graph's metadata plus one tensor.</li>
 * </ul>
 *
 * <p>In both modes, every tensor's data must match its shape: {@code raw_data} holds exactly elements times the type's
 * size bytes, a typed field exactly as many values as elements, and a tensor without data has no elements; its type
 * must be one whose size is known; external data and segments are refused; dimensions are in [0, 2^31), ranks at most
 * {@link #MAX_RANK}, element counts under 2^31. Counts and lengths are bounded before anything is allocated. Every
 * refusal is an {@link IllegalArgumentException} starting {@code onnx:} (and naming the file in streaming mode); a
 * malformed file never escapes as another runtime exception.
 */
public final class OnnxProtoReader {
  /** Largest model file (a Java array's limit; protobuf's own is 2 GiB). */
  public static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 8;
  /** Most nodes of the graph (a BERT-large export has a few thousand). */
  public static final int MAX_NODES = 200_000;
  /** Most initialisers. */
  public static final int MAX_INITIALIZERS = 50_000;
  /** Most inputs, outputs or attributes of one node, inputs or outputs of the graph, metadata entries. */
  public static final int MAX_EDGES = 1_024;
  /** Most values of one repeated attribute. */
  public static final int MAX_LIST_VALUES = 4_096;
  /** Longest string (name, op type, domain, string attribute), in bytes. */
  public static final int MAX_NAME_BYTES = 4_096;
  /** Highest rank of a tensor or a graph input/output. */
  public static final int MAX_RANK = 8;
  /** Most opset imports. */
  public static final int MAX_OPSETS = 64;
  /** Most bytes of names, list values and kept small tensors held in all (tensor data read in strict mode aside). */
  public static final long MAX_METADATA_BYTES = 64L << 20;
  /** Streaming mode keeps the bytes of tensors up to this size (shape constants); larger ones are read by place. */
  public static final int MAX_KEPT_BYTES = 512;
  /** Most elements of a tensor (a Java array's limit). */
  public static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

  // onnx.proto field numbers read here (TensorProto's data fields are the ones typed values may use).
  private static final int TENSOR_DIMS = 1;
  private static final int TENSOR_DATA_TYPE = 2;
  private static final int TENSOR_SEGMENT = 3;
  private static final int TENSOR_FLOAT_DATA = 4;
  private static final int TENSOR_INT32_DATA = 5;
  private static final int TENSOR_STRING_DATA = 6;
  private static final int TENSOR_INT64_DATA = 7;
  private static final int TENSOR_NAME = 8;
  private static final int TENSOR_RAW_DATA = 9;
  private static final int TENSOR_DOUBLE_DATA = 10;
  private static final int TENSOR_UINT64_DATA = 11;
  private static final int TENSOR_EXTERNAL_DATA = 13;
  private static final int TENSOR_DATA_LOCATION = 14;

  private OnnxProtoReader() {
  }

  /**
   * Parses {@code bytes} strictly (serving, quantizing).
   *
   * @param keepData whether tensors keep their bytes (false: {@link Tensor#raw()} is an empty array, for checks)
   * @throws IllegalArgumentException starting {@code onnx:} for anything refused, out of bounds or malformed
   */
  public static Model read(byte[] bytes, boolean keepData) {
    CodedInputStream in = CodedInputStream.newInstance(bytes);
    in.setSizeLimit(Integer.MAX_VALUE);
    try {
      return parse(new Parser(in, bytes.length, true, keepData ? Integer.MAX_VALUE : 0, "onnx: "));
    } catch (IOException e) { // a byte array has no other I/O error
      throw new IllegalArgumentException("onnx: not a valid ModelProto (" + e.getMessage() + ")");
    }
  }

  /**
   * Parses {@code file} in streaming mode (weight import): the model without the bytes of tensors over
   * {@link #MAX_KEPT_BYTES}, whose place in the file {@link Tensor#location()} gives to {@link #readFloats}.
   *
   * @throws IllegalArgumentException starting {@code onnx: <file>:} for anything refused, out of bounds or malformed
   */
  public static Model read(Path file) throws IOException {
    long size = Files.size(file);
    String where = "onnx: " + file + ": ";
    if (size > MAX_FILE_BYTES) {
      throw new IllegalArgumentException(where + size + " bytes, more than the " + MAX_FILE_BYTES + " read");
    }
    try (InputStream stream = Files.newInputStream(file)) {
      CodedInputStream in = CodedInputStream.newInstance(stream, 1 << 16);
      in.setSizeLimit(Integer.MAX_VALUE);
      return parse(new Parser(in, size, false, MAX_KEPT_BYTES, where));
    }
  }

  private static Model parse(Parser p) throws IOException {
    try {
      return p.model();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException(p.where + "not a valid ModelProto (" + e.getMessage() + ")");
    } catch (ArithmeticException | IndexOutOfBoundsException | BufferUnderflowException
        | NegativeArraySizeException e) { // defence in depth: the bounds above should make these unreachable
      throw new IllegalArgumentException(p.where + "malformed (" + e + ")");
    }
  }

  /**
   * The values of a FLOAT tensor of a model read by {@link #read(Path)}, row-major.
   *
   * @throws IllegalArgumentException naming the tensor when it is not FLOAT, its values are not stored contiguously
   *                                  ({@code raw_data} or packed {@code float_data}) or the file has changed
   */
  public static float[] readFloats(Path file, Tensor t) throws IOException {
    String where = "onnx: " + file + ": tensor " + printable(t.name());
    if (t.dataType() != OnnxModel.FLOAT) {
      throw new IllegalArgumentException(where + " has data type " + t.dataType()
          + (t.dataType() == OnnxModel.UINT8 || t.dataType() == OnnxModel.INT8 ? " (quantised int8/uint8)" : "")
          + "; weights must be FLOAT (1): use the float model, not a quantised or half-precision export");
    }
    long n = t.size();
    OnnxModel.Location at = t.location();
    if (at == null) {
      if (n == 0) {
        return new float[0];
      }
      throw new IllegalArgumentException(where + " stores its values in unpacked float_data; re-export it with "
          + "raw_data");
    }
    if (at.length() != n * 4) { // checked when parsed; again here, before allocating
      throw new IllegalArgumentException(where + " holds " + at.length() + " bytes, its shape needs " + n * 4);
    }
    ByteBuffer buf = ByteBuffer.allocate((int) at.length()).order(ByteOrder.LITTLE_ENDIAN);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long p = at.offset();
      while (buf.hasRemaining()) {
        int r = ch.read(buf, p);
        if (r < 0) {
          throw new IllegalArgumentException(where + ": the file ends inside the tensor (changed since read?)");
        }
        p += r;
      }
    }
    float[] out = new float[(int) n];
    buf.flip().asFloatBuffer().get(out);
    return out;
  }

  /** Bytes per element of an ONNX data type, or -1 when this project does not know it. */
  static int elementBytes(int dataType) {
    return switch (dataType) {
      case 1, 6, 12 -> 4; // FLOAT, INT32, UINT32
      case 7, 11, 13 -> 8; // INT64, DOUBLE, UINT64
      case 2, 3, 9 -> 1; // UINT8, INT8, BOOL
      case 4, 5, 10, 16 -> 2; // UINT16, INT16, FLOAT16, BFLOAT16
      default -> -1; // UNDEFINED, STRING, COMPLEX64/128, float8 and int4 variants
    };
  }

  /** The typed field that may hold values of {@code dataType} (onnx.proto's comments on each field). */
  private static int typedField(int dataType) {
    return switch (dataType) {
      case 1 -> TENSOR_FLOAT_DATA;
      case 7 -> TENSOR_INT64_DATA;
      case 11 -> TENSOR_DOUBLE_DATA;
      case 12, 13 -> TENSOR_UINT64_DATA;
      case 2, 3, 4, 5, 6, 9, 10, 16 -> TENSOR_INT32_DATA;
      default -> -1;
    };
  }

  private static String printable(String s) {
    StringBuilder b = new StringBuilder();
    s.codePoints().limit(200).forEach(c -> b.append(Character.isISOControl(c) ? '?' : Character.toString(c)));
    return b.length() < s.length() ? b + "…" : b.toString();
  }

  /** One parse; {@code strict} for serving, {@code keepBytes} the largest tensor whose bytes are held. */
  private static final class Parser {
    final CodedInputStream in;
    final long size;
    final boolean strict;
    final long keepBytes;
    final String where;
    long retained;

    Parser(CodedInputStream in, long size, boolean strict, long keepBytes, String where) {
      this.in = in;
      this.size = size;
      this.strict = strict;
      this.keepBytes = keepBytes;
      this.where = where;
    }

    Model model() throws IOException {
      long ir = 0;
      Map<String, Long> opsets = new LinkedHashMap<>();
      Map<String, String> metadata = new LinkedHashMap<>();
      String producer = "";
      String producerVersion = "";
      Graph graph = null;
      for (int tag; (tag = in.readTag()) != 0; ) {
        switch (WireFormat.getTagFieldNumber(tag)) {
          case 1 -> ir = varint(tag);
          case 2 -> producer = string(tag);
          case 3 -> producerVersion = string(tag);
          case 7 -> {
            if (graph != null) {
              throw refuse("the model has two graphs");
            }
            int limit = in.pushLimit(length(tag));
            graph = graph();
            in.popLimit(limit);
          }
          case 8 -> {
            int limit = in.pushLimit(length(tag));
            String domain = "";
            long version = 0;
            for (int t; (t = in.readTag()) != 0; ) {
              switch (WireFormat.getTagFieldNumber(t)) {
                case 1 -> domain = string(t);
                case 2 -> version = varint(t);
                default -> in.skipField(t);
              }
            }
            in.popLimit(limit);
            opsets.put(domain, version);
            bound(opsets.size(), MAX_OPSETS, "opset imports");
          }
          case 14 -> {
            int limit = in.pushLimit(length(tag));
            String key = "";
            String value = "";
            for (int t; (t = in.readTag()) != 0; ) {
              switch (WireFormat.getTagFieldNumber(t)) {
                case 1 -> key = string(t);
                case 2 -> value = string(t);
                default -> in.skipField(t);
              }
            }
            in.popLimit(limit);
            metadata.put(key, value);
            bound(metadata.size(), MAX_EDGES, "metadata entries");
          }
          case 20 -> strictRefusal(tag, "the model carries training_info (not read here)");
          case 25 -> strictRefusal(tag, "the model defines functions (not allowed)");
          default -> in.skipField(tag);
        }
      }
      if (graph == null) {
        throw refuse("the model has no graph (not an ONNX model)");
      }
      return new Model(ir, opsets, producer, producerVersion, graph, metadata);
    }

    private Graph graph() throws IOException {
      List<Node> nodes = new ArrayList<>();
      List<Tensor> initializers = new ArrayList<>();
      Set<String> initializerNames = new HashSet<>();
      List<ValueInfo> inputs = new ArrayList<>();
      List<ValueInfo> outputs = new ArrayList<>();
      String name = "";
      for (int tag; (tag = in.readTag()) != 0; ) {
        int field = WireFormat.getTagFieldNumber(tag);
        switch (field) {
          case 1, 5, 11, 12 -> {
            switch (field) {
              case 1 -> bound(nodes.size() + 1, MAX_NODES, "nodes");
              case 5 -> bound(initializers.size() + 1, MAX_INITIALIZERS, "initialisers");
              case 11 -> bound(inputs.size() + 1, MAX_EDGES, "graph inputs");
              default -> bound(outputs.size() + 1, MAX_EDGES, "graph outputs");
            }
            int limit = in.pushLimit(length(tag));
            switch (field) {
              case 1 -> nodes.add(node());
              case 5 -> {
                Tensor t = tensor();
                if (!initializerNames.add(t.name())) {
                  throw refuse("initialiser " + printable(t.name()) + " appears twice");
                }
                initializers.add(t);
              }
              case 11 -> inputs.add(valueInfo());
              default -> outputs.add(valueInfo());
            }
            in.popLimit(limit);
          }
          case 2 -> name = string(tag);
          case 15 -> strictRefusal(tag, "the graph has sparse initializers (not read here)");
          default -> in.skipField(tag);
        }
      }
      return new Graph(name, nodes, initializers, inputs, outputs);
    }

    private Node node() throws IOException {
      List<String> inputs = new ArrayList<>();
      List<String> outputs = new ArrayList<>();
      List<Attribute> attributes = new ArrayList<>();
      String name = "";
      String op = "";
      String domain = "";
      for (int tag; (tag = in.readTag()) != 0; ) {
        switch (WireFormat.getTagFieldNumber(tag)) {
          case 1 -> {
            bound(inputs.size() + 1, MAX_EDGES, "inputs of a node");
            inputs.add(string(tag));
          }
          case 2 -> {
            bound(outputs.size() + 1, MAX_EDGES, "outputs of a node");
            outputs.add(string(tag));
          }
          case 3 -> name = string(tag);
          case 4 -> op = string(tag);
          case 5 -> {
            bound(attributes.size() + 1, MAX_EDGES, "attributes of a node");
            int limit = in.pushLimit(length(tag));
            attributes.add(attribute());
            in.popLimit(limit);
          }
          case 7 -> domain = string(tag);
          case 8 -> strictRefusal(tag, "node " + printable(name) + " has an overload (functions are not allowed)");
          default -> in.skipField(tag);
        }
      }
      return new Node(op, domain, name, inputs, outputs, attributes);
    }

    private Attribute attribute() throws IOException {
      String name = "";
      int type = 0;
      float f = 0;
      long i = 0;
      String s = null;
      LongList ints = new LongList();
      List<Float> floats = new ArrayList<>();
      Tensor t = null;
      for (int tag; (tag = in.readTag()) != 0; ) {
        int field = WireFormat.getTagFieldNumber(tag);
        switch (field) {
          case 1 -> name = string(tag);
          case 2 -> {
            expect(tag, WireFormat.WIRETYPE_FIXED32);
            f = in.readFloat();
          }
          case 3 -> i = varint(tag);
          case 4 -> s = string(tag);
          case 5 -> {
            int limit = in.pushLimit(length(tag));
            t = tensor();
            in.popLimit(limit);
          }
          case 7 -> repeatedFloats(tag, floats);
          case 8 -> repeatedLongs(tag, ints, MAX_LIST_VALUES, "values in a list");
          case 20 -> type = (int) varint(tag);
          case 6, 10, 11, 22, 23 -> strictRefusal(tag, "attribute " + printable(name) + " holds a graph, a list of "
              + "tensors or a sparse tensor (not allowed)");
          case 21 -> strictRefusal(tag, "attribute " + printable(name) + " refers to a function attribute "
              + "(not allowed)");
          default -> in.skipField(tag);
        }
      }
      float[] fs = new float[floats.size()];
      for (int k = 0; k < fs.length; k++) {
        fs[k] = floats.get(k);
      }
      return new Attribute(name, type, f, i, s, ints.toArray(), fs, t);
    }

    private Tensor tensor() throws IOException {
      LongList dims = new LongList();
      int type = 0;
      String name = "";
      byte[] raw = null;
      boolean rawData = false;
      OnnxModel.Location location = null;
      int typedField = -1;
      long typedCount = 0;
      LongList typedValues = null; // small int64_data, kept as raw bytes in streaming mode
      for (int tag; (tag = in.readTag()) != 0; ) {
        int field = WireFormat.getTagFieldNumber(tag);
        switch (field) {
          case TENSOR_DIMS -> repeatedLongs(tag, dims, MAX_RANK, "dimensions of a tensor (rank)");
          case TENSOR_DATA_TYPE -> type = (int) varint(tag);
          case TENSOR_NAME -> name = string(tag);
          case TENSOR_RAW_DATA -> {
            if (rawData || typedField >= 0) {
              throw refuse("tensor " + printable(name) + " has raw_data twice, or beside a typed field");
            }
            rawData = true;
            int length = length(tag);
            location = new OnnxModel.Location(in.getTotalBytesRead(), length);
            raw = keep(length) ? in.readRawBytes(length) : skip(length);
          }
          case TENSOR_EXTERNAL_DATA, TENSOR_DATA_LOCATION -> throw refuse("tensor " + printable(name)
              + " has external data (not allowed: every weight must be inside the file)");
          case TENSOR_SEGMENT -> throw refuse("tensor " + printable(name) + " is segmented (not read here)");
          case TENSOR_FLOAT_DATA, TENSOR_INT32_DATA, TENSOR_STRING_DATA, TENSOR_INT64_DATA, TENSOR_DOUBLE_DATA,
              TENSOR_UINT64_DATA -> {
            if (strict) {
              throw refuse("tensor " + printable(name) + " stores its values outside raw_data (not read here)");
            }
            if (field == TENSOR_STRING_DATA) {
              throw refuse("tensor " + printable(name) + " holds strings (not a weight)");
            }
            if (rawData) {
              throw refuse("tensor " + printable(name) + " has raw_data and a typed field");
            }
            if (typedField >= 0 && typedField != field) {
              throw refuse("tensor " + printable(name) + " stores values in two typed fields");
            }
            typedField = field;
            if (field == TENSOR_FLOAT_DATA && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED
                && typedCount == 0 && location == null) {
              int length = length(tag); // packed floats: the same bytes as raw_data
              if (length % 4 != 0) {
                throw refuse("tensor " + printable(name) + " has packed float_data of " + length + " bytes");
              }
              location = new OnnxModel.Location(in.getTotalBytesRead(), length);
              raw = keep(length) ? in.readRawBytes(length) : skip(length);
              typedCount = length / 4;
            } else {
              location = null; // values spread over the field: no single place in the file
              raw = null;
              if (typedValues == null && field == TENSOR_INT64_DATA) {
                typedValues = new LongList();
              }
              typedCount += typedValues(tag, field, field == TENSOR_INT64_DATA ? typedValues : null);
            }
          }
          default -> in.skipField(tag);
        }
      }
      long[] shape = dims.toArray();
      long elements = 1;
      for (long d : shape) {
        if (d < 0 || d > Integer.MAX_VALUE) {
          throw refuse("tensor " + printable(name) + " has a dimension outside [0, " + Integer.MAX_VALUE + "]");
        }
        elements = Math.multiplyExact(elements, d);
        if (elements > MAX_ELEMENTS) {
          throw refuse("tensor " + printable(name) + " has more than " + MAX_ELEMENTS + " elements");
        }
      }
      int elementBytes = elementBytes(type);
      if (elementBytes < 0) {
        throw refuse("tensor " + printable(name) + " has data type " + type + ", which is not read here");
      }
      String shapeText = "data type " + type + " shape " + Arrays.toString(shape);
      if (typedField >= 0) {
        if (typedField != typedField(type)) {
          throw refuse("tensor " + printable(name) + " of data type " + type + " stores values in field "
              + typedField + " of TensorProto, which is not that type's");
        }
        if (typedCount != elements) {
          throw refuse("tensor " + printable(name) + " holds " + typedCount + " values, but " + shapeText
              + " needs " + elements);
        }
        if (location == null && typedValues != null && typedValues.size == elements && elements * 8 <= keepBytes) {
          ByteBuffer b = ByteBuffer.allocate((int) elements * 8).order(ByteOrder.LITTLE_ENDIAN);
          b.asLongBuffer().put(typedValues.toArray());
          raw = b.array();
        }
      } else if (location != null) {
        if (location.length() != elements * elementBytes) {
          throw refuse("tensor " + printable(name) + " holds " + location.length() + " bytes, but " + shapeText
              + " needs " + elements * elementBytes);
        }
      } else if (elements != 0) {
        throw refuse("tensor " + printable(name) + " holds no data, but " + shapeText + " needs " + elements
            + " values");
      }
      return new Tensor(name, type, shape, raw == null ? new byte[0] : raw, strict ? null : location);
    }

    private boolean keep(int length) {
      if (length > keepBytes) {
        return false;
      }
      if (keepBytes <= MAX_KEPT_BYTES) {
        retain(length);
      }
      return true;
    }

    private byte[] skip(int length) throws IOException {
      in.skipRawBytes(length);
      return null;
    }

    /** Reads one typed-data field (packed or not), returns how many values it held; int64s kept when small. */
    private long typedValues(int tag, int field, LongList keepInt64) throws IOException {
      int wire = WireFormat.getTagWireType(tag);
      int fixed = field == TENSOR_FLOAT_DATA ? 4 : field == TENSOR_DOUBLE_DATA ? 8 : 0;
      if (wire != WireFormat.WIRETYPE_LENGTH_DELIMITED) {
        expect(tag, fixed == 4 ? WireFormat.WIRETYPE_FIXED32 : fixed == 8 ? WireFormat.WIRETYPE_FIXED64
            : WireFormat.WIRETYPE_VARINT);
        long v = fixed == 4 ? in.readRawLittleEndian32() : fixed == 8 ? in.readRawLittleEndian64() : varint(tag);
        if (keepInt64 != null && keepInt64.size * 8L < keepBytes) {
          keepInt64.add(v);
        }
        return 1;
      }
      int length = length(tag);
      if (fixed > 0) {
        if (length % fixed != 0) {
          throw refuse("packed field " + field + " of a tensor has " + length + " bytes");
        }
        in.skipRawBytes(length);
        return length / fixed;
      }
      int limit = in.pushLimit(length);
      long n = 0;
      while (in.getBytesUntilLimit() > 0) {
        long v = in.readInt64();
        if (keepInt64 != null && keepInt64.size * 8L < keepBytes) {
          keepInt64.add(v);
        }
        n++;
      }
      in.popLimit(limit);
      return n;
    }

    private ValueInfo valueInfo() throws IOException {
      String name = "";
      int elemType = 0;
      List<Object> dims = new ArrayList<>();
      for (int tag; (tag = in.readTag()) != 0; ) {
        switch (WireFormat.getTagFieldNumber(tag)) {
          case 1 -> name = string(tag);
          case 2 -> { // TypeProto
            int typeLimit = in.pushLimit(length(tag));
            for (int t; (t = in.readTag()) != 0; ) {
              if (WireFormat.getTagFieldNumber(t) != 1) { // only tensor_type
                strictRefusal(t, "value " + printable(name) + " is not a tensor");
                continue;
              }
              int tensorLimit = in.pushLimit(length(t));
              for (int u; (u = in.readTag()) != 0; ) {
                switch (WireFormat.getTagFieldNumber(u)) {
                  case 1 -> elemType = (int) varint(u);
                  case 2 -> {
                    int shapeLimit = in.pushLimit(length(u));
                    for (int v; (v = in.readTag()) != 0; ) {
                      if (WireFormat.getTagFieldNumber(v) != 1) {
                        in.skipField(v);
                        continue;
                      }
                      bound(dims.size() + 1, MAX_RANK, "dimensions of graph input/output " + printable(name));
                      int dimLimit = in.pushLimit(length(v));
                      Object dim = "?";
                      for (int w; (w = in.readTag()) != 0; ) {
                        switch (WireFormat.getTagFieldNumber(w)) {
                          case 1 -> dim = varint(w);
                          case 2 -> dim = string(w);
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

    private void repeatedLongs(int tag, LongList out, int max, String what) throws IOException {
      if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
        int limit = in.pushLimit(length(tag));
        while (in.getBytesUntilLimit() > 0) {
          bound(out.size + 1, max, what);
          out.add(in.readInt64());
          retain(8);
        }
        in.popLimit(limit);
      } else {
        bound(out.size + 1, max, what);
        out.add(varint(tag));
        retain(8);
      }
    }

    private void repeatedFloats(int tag, List<Float> out) throws IOException {
      if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
        int limit = in.pushLimit(length(tag));
        while (in.getBytesUntilLimit() > 0) {
          bound(out.size() + 1, MAX_LIST_VALUES, "values in a list");
          out.add(in.readFloat());
          retain(8);
        }
        in.popLimit(limit);
      } else {
        expect(tag, WireFormat.WIRETYPE_FIXED32);
        bound(out.size() + 1, MAX_LIST_VALUES, "values in a list");
        out.add(in.readFloat());
        retain(8);
      }
    }

    private long varint(int tag) throws IOException {
      expect(tag, WireFormat.WIRETYPE_VARINT);
      return in.readInt64();
    }

    /** A length-delimited field's length, checked against what the input still holds. */
    private int length(int tag) throws IOException {
      expect(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED);
      int len = in.readRawVarint32();
      int untilLimit = in.getBytesUntilLimit();
      if (len < 0 || len > size - in.getTotalBytesRead() || untilLimit >= 0 && len > untilLimit) {
        throw refuse("field " + WireFormat.getTagFieldNumber(tag) + " declares " + len + " bytes, more than its "
            + "message holds");
      }
      return len;
    }

    private String string(int tag) throws IOException {
      int len = length(tag);
      if (len > MAX_NAME_BYTES) {
        throw refuse("a string of " + len + " bytes, more than " + MAX_NAME_BYTES);
      }
      retain(len);
      return new String(in.readRawBytes(len), StandardCharsets.UTF_8);
    }

    private void expect(int tag, int wireType) {
      if (WireFormat.getTagWireType(tag) != wireType) {
        throw refuse("field " + WireFormat.getTagFieldNumber(tag) + " has wire type " + WireFormat.getTagWireType(tag)
            + ", expected " + wireType);
      }
    }

    private void retain(long bytes) {
      retained += bytes;
      if (retained > MAX_METADATA_BYTES) {
        throw refuse("more than " + MAX_METADATA_BYTES + " bytes of names, lists and small tensors");
      }
    }

    /** Strict mode refuses the field; streaming mode skips it (nothing of the graph runs on import). */
    private void strictRefusal(int tag, String why) throws IOException {
      if (strict) {
        throw refuse(why);
      }
      in.skipField(tag);
    }

    private void bound(int count, int max, String what) {
      if (count > max) {
        throw refuse("more than " + max + " " + what);
      }
    }

    private IllegalArgumentException refuse(String why) {
      return new IllegalArgumentException(where + why);
    }
  }

  /** A growable long array (no boxing: a list of varints costs 8 bytes per value, not 24). */
  private static final class LongList {
    long[] values = new long[4];
    int size;

    void add(long v) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = v;
    }

    long[] toArray() {
      return Arrays.copyOf(values, size);
    }
  }
}
