package org.streambert.bert.weights.internals;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The safetensors format (Hugging Face): 8 bytes little-endian header length N, N bytes of JSON
 * ({@code {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}}}), then the
 * raw little-endian tensor bytes, offsets relative to the end of the header. No code runs on reading (unlike
 * PyTorch's pickle-based {@code .bin}).
 *
 * <p>{@link Reader} treats the file as hostile: the header length, the tensor count, every name, dtype, rank, dimension
 * and offset are bounded and cross-checked (sizes equal {@code numel * dtype size}, ranges inside the file and
 * disjoint) before any tensor is allocated, and a tensor is read only when asked for, by positional reads (no whole-
 * file buffer). Errors are {@link SafetensorsException}s naming the file and tensor.
 */
public final class Safetensors {
  /** Largest JSON header read (the format's own limit is 100 MB; a BERT header is a few KB). */
  public static final int MAX_HEADER_BYTES = 16 << 20;
  /** Most tensors in one file (BERT-large has ~400). */
  public static final int MAX_TENSORS = 20_000;
  /** Longest tensor name, in characters. */
  public static final int MAX_NAME_CHARS = 1_024;
  /** Highest rank read. */
  public static final int MAX_RANK = 8;
  /** Most elements of one tensor read into a Java array. */
  public static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

  private static final ObjectMapper JSON = new ObjectMapper();

  static {
    JSON.getFactory().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    JSON.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
        .maxNestingDepth(8).maxStringLength(MAX_HEADER_BYTES).maxNumberLength(32).build());
  }

  private Safetensors() {}

  /** Element types: the safetensors names and byte sizes this code knows. */
  public enum DType {
    F64(8), F32(4), F16(2), BF16(2), I64(8), I32(4), I16(2), I8(1), U8(1), BOOL(1);

    private final int bytes;

    DType(int bytes) {
      this.bytes = bytes;
    }

    public int bytes() {
      return bytes;
    }

    /** Whether {@link Reader#readFloats} converts it (F32, F16, BF16). */
    public boolean isFloat() {
      return this == F32 || this == F16 || this == BF16;
    }
  }

  /** One tensor's header entry: dtype, shape and byte range (relative to the data section). */
  public record Entry(String name, DType dtype, long[] shape, long begin, long end) {
    /** Number of elements. */
    public long elements() {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      return n;
    }

    /** The shape as a string like {@code [384, 1536]}. */
    public String shapeString() {
      StringBuilder b = new StringBuilder("[");
      for (int i = 0; i < shape.length; i++) {
        b.append(i > 0 ? ", " : "").append(shape[i]);
      }
      return b.append(']').toString();
    }
  }

  /** A bad or hostile safetensors file; the message names the file and, where there is one, the tensor. */
  public static final class SafetensorsException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public SafetensorsException(String message) {
      super(message);
    }
  }

  /**
   * An open, validated safetensors file. Thread-safe (positional reads). Owns a file channel; {@link #close()}
   * releases it.
   */
  public static final class Reader implements AutoCloseable {
    private final Path file;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;

    private Reader(Path file, FileChannel channel, long dataStart, Map<String, Entry> entries,
        Map<String, String> metadata) {
      this.file = file;
      this.channel = channel;
      this.dataStart = dataStart;
      this.entries = entries;
      this.metadata = metadata;
    }

    /**
     * Opens and validates {@code file}'s header.
     *
     * @throws SafetensorsException naming the file (and tensor) when anything is out of bounds or inconsistent
     */
    public static Reader open(Path file) throws IOException {
      FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
      try {
        long size = channel.size();
        if (size < 8) {
          throw new SafetensorsException(file + ": not a safetensors file (" + size + " bytes, no header length)");
        }
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(channel, len, 0, file);
        long headerLength = len.flip().getLong();
        if (headerLength < 2 || headerLength > MAX_HEADER_BYTES || headerLength > size - 8) {
          throw new SafetensorsException(file + ": header length " + Long.toUnsignedString(headerLength)
              + " is outside [2, min(" + MAX_HEADER_BYTES + ", file size - 8 = " + (size - 8) + ")]");
        }
        ByteBuffer header = ByteBuffer.allocate((int) headerLength);
        readFully(channel, header, 8, file);
        long dataStart = 8 + headerLength;
        Map<String, String> metadata = new LinkedHashMap<>();
        Map<String, Entry> entries = parseHeader(file, header.array(), size - dataStart, metadata);
        return new Reader(file, channel, dataStart, entries, metadata);
      } catch (IOException | RuntimeException | Error e) {
        channel.close();
        throw e;
      }
    }

    /** The file. */
    public Path file() {
      return file;
    }

    /** Every tensor's entry, by name, in header order. */
    public Map<String, Entry> entries() {
      return entries;
    }

    /** {@code __metadata__} (string to string), empty when absent. */
    public Map<String, String> metadata() {
      return metadata;
    }

    /** The entry of {@code name}, if the file has it. */
    public Optional<Entry> entry(String name) {
      return Optional.ofNullable(entries.get(name));
    }

    /**
     * The tensor's values as floats, row-major (F16 and BF16 widened exactly).
     *
     * @throws SafetensorsException when the tensor is missing or not of a float dtype
     */
    public float[] readFloats(String name) throws IOException {
      Entry e = entries.get(name);
      if (e == null) {
        throw new SafetensorsException(file + ": no tensor " + name);
      }
      if (!e.dtype().isFloat()) {
        throw new SafetensorsException(file + ": tensor " + name + " has dtype " + e.dtype()
            + "; weights must be F32, F16 or BF16");
      }
      int n = (int) e.elements();
      float[] out = new float[n];
      int chunkElements = Math.max(1, (1 << 20) / e.dtype().bytes()); // read at most 1 MiB at a time
      ByteBuffer buf = ByteBuffer.allocate(chunkElements * e.dtype().bytes()).order(ByteOrder.LITTLE_ENDIAN);
      long position = dataStart + e.begin();
      for (int done = 0; done < n; ) {
        int count = Math.min(chunkElements, n - done);
        buf.clear().limit(count * e.dtype().bytes());
        readFully(channel, buf, position, file);
        buf.flip();
        position += (long) count * e.dtype().bytes();
        switch (e.dtype()) {
          case F32 -> buf.asFloatBuffer().get(out, done, count);
          case F16 -> {
            for (int i = 0; i < count; i++) {
              out[done + i] = halfToFloat(buf.getShort());
            }
          }
          case BF16 -> {
            for (int i = 0; i < count; i++) {
              out[done + i] = Float.intBitsToFloat((buf.getShort() & 0xFFFF) << 16);
            }
          }
          default -> throw new IllegalStateException("unreachable: " + e.dtype());
        }
        done += count;
      }
      return out;
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }

  /**
   * Writes float tensors (F32, little-endian) with their shapes, names sorted (as the reference writer does), header
   * padded with spaces to a multiple of 8 bytes, and {@code __metadata__ = metadata}.
   *
   * @throws IllegalArgumentException when a value's length differs from its shape's element count
   */
  public static void write(Path file, Map<String, float[]> values, Map<String, long[]> shapes,
      Map<String, String> metadata) throws IOException {
    TreeMap<String, float[]> sorted = new TreeMap<>(values);
    ObjectNode header = JSON.createObjectNode();
    if (!metadata.isEmpty()) {
      ObjectNode meta = header.putObject("__metadata__");
      metadata.forEach(meta::put);
    }
    long offset = 0;
    for (Map.Entry<String, float[]> e : sorted.entrySet()) {
      long[] shape = shapes.get(e.getKey());
      if (shape == null) {
        throw new IllegalArgumentException("no shape for " + e.getKey());
      }
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      if (n != e.getValue().length) {
        throw new IllegalArgumentException(e.getKey() + " has " + e.getValue().length + " values, shape needs " + n);
      }
      ObjectNode t = header.putObject(e.getKey());
      t.put("dtype", DType.F32.name());
      var s = t.putArray("shape");
      for (long d : shape) {
        s.add(d);
      }
      var o = t.putArray("data_offsets");
      o.add(offset).add(offset + 4L * n);
      offset += 4L * n;
    }
    byte[] json = JSON.writeValueAsBytes(header);
    int padded = (json.length + 7) / 8 * 8;
    byte[] headerBytes = new byte[padded];
    System.arraycopy(json, 0, headerBytes, 0, json.length);
    for (int i = json.length; i < padded; i++) {
      headerBytes[i] = ' ';
    }
    try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
      out.write(len.array());
      out.write(headerBytes);
      ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
      for (float[] v : sorted.values()) {
        for (float f : v) {
          if (!buf.hasRemaining()) {
            out.write(buf.array(), 0, buf.position());
            buf.clear();
          }
          buf.putFloat(f);
        }
      }
      out.write(buf.array(), 0, buf.position());
    }
  }

  private static Map<String, Entry> parseHeader(Path file, byte[] header, long dataBytes,
      Map<String, String> metadata) {
    JsonNode root;
    try {
      root = JSON.readTree(header);
    } catch (IOException e) {
      throw new SafetensorsException(file + ": header is not valid JSON (" + firstLine(e.getMessage()) + ")");
    }
    if (root == null || !root.isObject()) {
      throw new SafetensorsException(file + ": header is not a JSON object");
    }
    if (root.size() > MAX_TENSORS + 1) {
      throw new SafetensorsException(file + ": header lists " + root.size() + " entries, more than " + MAX_TENSORS);
    }
    Map<String, Entry> entries = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      String name = f.getKey();
      JsonNode node = f.getValue();
      if (name.equals("__metadata__")) {
        if (!node.isObject()) {
          throw new SafetensorsException(file + ": __metadata__ is not an object");
        }
        for (Iterator<Map.Entry<String, JsonNode>> m = node.fields(); m.hasNext(); ) {
          Map.Entry<String, JsonNode> kv = m.next();
          if (!kv.getValue().isTextual()) {
            throw new SafetensorsException(file + ": __metadata__ value of " + kv.getKey() + " is not a string");
          }
          metadata.put(kv.getKey(), kv.getValue().textValue());
        }
        continue;
      }
      entries.put(name, parseEntry(file, name, node, dataBytes));
    }
    List<Entry> byOffset = new ArrayList<>(entries.values());
    byOffset.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
    long previousEnd = 0;
    String previous = null;
    for (Entry e : byOffset) {
      if (e.begin() < previousEnd) {
        throw new SafetensorsException(file + ": tensor " + e.name() + " overlaps tensor " + previous);
      }
      previousEnd = e.end();
      previous = e.name();
    }
    return Collections.unmodifiableMap(entries);
  }

  private static Entry parseEntry(Path file, String name, JsonNode node, long dataBytes) {
    String where = file + ": tensor " + printable(name);
    if (name.isEmpty() || name.length() > MAX_NAME_CHARS) {
      throw new SafetensorsException(file + ": a tensor name is empty or longer than " + MAX_NAME_CHARS
          + " characters");
    }
    if (!node.isObject()) {
      throw new SafetensorsException(where + ": entry is not an object");
    }
    JsonNode dtypeNode = node.get("dtype");
    JsonNode shapeNode = node.get("shape");
    JsonNode offsetsNode = node.get("data_offsets");
    if (dtypeNode == null || !dtypeNode.isTextual()) {
      throw new SafetensorsException(where + ": dtype missing or not a string");
    }
    DType dtype;
    try {
      dtype = DType.valueOf(dtypeNode.textValue());
    } catch (IllegalArgumentException e) {
      throw new SafetensorsException(where + ": unknown dtype " + printable(dtypeNode.textValue()));
    }
    if (shapeNode == null || !shapeNode.isArray() || shapeNode.size() > MAX_RANK) {
      throw new SafetensorsException(where + ": shape missing, not an array or of rank over " + MAX_RANK);
    }
    long[] shape = new long[shapeNode.size()];
    long elements = 1;
    for (int i = 0; i < shape.length; i++) {
      JsonNode d = shapeNode.get(i);
      if (!d.isIntegralNumber() || !d.canConvertToLong() || d.longValue() < 0 || d.longValue() > MAX_ELEMENTS) {
        throw new SafetensorsException(where + ": dimension " + i + " is not an integer in [0, " + MAX_ELEMENTS
            + "]");
      }
      shape[i] = d.longValue();
      if (shape[i] > 0 && elements > MAX_ELEMENTS / shape[i]) {
        throw new SafetensorsException(where + ": more than " + MAX_ELEMENTS + " elements");
      }
      elements *= shape[i];
    }
    if (offsetsNode == null || !offsetsNode.isArray() || offsetsNode.size() != 2
        || !offsetsNode.get(0).isIntegralNumber() || !offsetsNode.get(1).isIntegralNumber()
        || !offsetsNode.get(0).canConvertToLong() || !offsetsNode.get(1).canConvertToLong()) {
      throw new SafetensorsException(where + ": data_offsets is not [begin, end]");
    }
    long begin = offsetsNode.get(0).longValue();
    long end = offsetsNode.get(1).longValue();
    if (begin < 0 || end < begin || end > dataBytes) {
      throw new SafetensorsException(where + ": data_offsets [" + begin + ", " + end + "] outside the "
          + dataBytes + " data bytes of the file");
    }
    if (end - begin != elements * dtype.bytes()) {
      throw new SafetensorsException(where + ": " + (end - begin) + " data bytes, but " + dtype + " shape "
          + java.util.Arrays.toString(shape) + " needs " + elements * dtype.bytes());
    }
    return new Entry(name, dtype, shape, begin, end);
  }

  private static void readFully(FileChannel channel, ByteBuffer buf, long position, Path file) throws IOException {
    long p = position;
    while (buf.hasRemaining()) {
      int n = channel.read(buf, p);
      if (n < 0) {
        throw new SafetensorsException(file + ": truncated (ends before byte " + (p + buf.remaining()) + ")");
      }
      p += n;
    }
  }

  /** A name safe to print: control characters escaped, cut at 200 characters. */
  static String printable(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length() && b.length() < 200; i++) {
      char c = s.charAt(i);
      b.append(Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : String.valueOf(c));
    }
    return s.length() > 200 ? b + "..." : b.toString();
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /** IEEE 754 half precision to float, exactly (Float.float16ToFloat is Java 20+). */
  static float halfToFloat(short bits) {
    int h = bits & 0xFFFF;
    int sign = (h & 0x8000) << 16;
    int exponent = (h >>> 10) & 0x1F;
    int mantissa = h & 0x3FF;
    if (exponent == 0x1F) {
      return Float.intBitsToFloat(sign | 0x7F800000 | (mantissa << 13)); // inf / NaN
    }
    if (exponent == 0) {
      float value = mantissa * 0x1p-24f; // subnormal (or zero)
      return sign != 0 ? -value : value;
    }
    return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
  }
}
