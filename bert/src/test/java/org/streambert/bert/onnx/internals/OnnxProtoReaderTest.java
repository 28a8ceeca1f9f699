package org.streambert.bert.onnx.internals;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.streambert.bert.onnx.internals.ProtoMsg.floats;
import static org.streambert.bert.onnx.internals.ProtoMsg.model;
import static org.streambert.bert.onnx.internals.ProtoMsg.tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.model.BertModel;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.TinyBert;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.onnx.OnnxExporter;

/** The one ONNX reader's bounds, in both modes (issue 29 item 4, issue 30 item 3). Files are built field by field. */
class OnnxProtoReaderTest {

  @TempDir
  Path dir;

  private Path file(byte[] bytes) throws IOException {
    return Files.write(Files.createTempFile(dir, "m", ".onnx"), bytes);
  }

  /** Refused in both modes with {@code fragment} in the message. */
  private void assertRefusedEverywhere(byte[] bytes, String fragment) throws IOException {
    IllegalArgumentException strict = assertThrows(IllegalArgumentException.class,
        () -> OnnxProtoReader.read(bytes, true));
    assertTrue(strict.getMessage().startsWith("onnx:") && strict.getMessage().contains(fragment),
        strict.getMessage());
    assertRefusedStreaming(bytes, fragment);
  }

  private void assertRefusedStreaming(byte[] bytes, String fragment) throws IOException {
    Path f = file(bytes);
    IllegalArgumentException streaming = assertThrows(IllegalArgumentException.class, () -> OnnxProtoReader.read(f));
    assertTrue(streaming.getMessage().startsWith("onnx: " + f) && streaming.getMessage().contains(fragment),
        streaming.getMessage());
  }

  @Test
  void shouldRefuseATensorWithDimsButNoDataBeforeAllocatingAnything() throws IOException {
    byte[] bytes = model(tensor("w", OnnxModel.FLOAT, 1 << 20, 1 << 10)); // 2^30 floats (4 GiB) in a few bytes
    assertTrue(bytes.length < 100);
    assertRefusedEverywhere(bytes, "tensor w holds no data, but data type 1 shape [1048576, 1024] needs 1073741824");
  }

  @Test
  void shouldRefuseRawDataOfAnotherLengthThanTheShapeNeeds() throws IOException {
    assertRefusedEverywhere(model(tensor("w", OnnxModel.FLOAT, 4, 4).bytes(9, floats(1, 2))),
        "tensor w holds 8 bytes, but data type 1 shape [4, 4] needs 64");
    assertRefusedEverywhere(model(tensor("i", OnnxModel.INT64, 3).bytes(9, new byte[25])), "needs 24");
  }

  @Test
  void shouldCheckTypedFieldsAgainstTheShapeWhenStreaming() throws IOException {
    assertRefusedStreaming(model(tensor("w", OnnxModel.FLOAT, 4).bytes(4, floats(1, 2, 3))),
        "tensor w holds 3 values, but data type 1 shape [4] needs 4");
    assertRefusedStreaming(model(tensor("w", OnnxModel.FLOAT, 3).fixed32(4, 1).fixed32(4, 2)),
        "holds 2 values");
    assertRefusedStreaming(model(tensor("i", OnnxModel.INT64, 3).varint(7, 1).varint(7, 2)), "holds 2 values");
    assertRefusedStreaming(model(tensor("i", OnnxModel.INT64, 1).bytes(4, floats(1))),
        "stores values in field 4 of TensorProto, which is not that type's");
    assertRefusedStreaming(model(tensor("w", OnnxModel.FLOAT, 1).bytes(9, floats(1)).bytes(4, floats(2))),
        "raw_data and a typed field");
    assertRefusedStreaming(model(tensor("s", 8, 1).bytes(6, new byte[] {'a'})), "holds strings");
  }

  @Test
  void shouldRefuseTypedFieldsWhenStrict() throws IOException {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> OnnxProtoReader.read(model(tensor("w", OnnxModel.FLOAT, 1).bytes(4, floats(1))), false));
    assertTrue(e.getMessage().contains("stores its values outside raw_data"), e.getMessage());
  }

  @Test
  void shouldReadFloatsFromRawOrPackedFloatDataAndSmallInt64ValuesWhenStreaming() throws IOException {
    Path f = file(model(tensor("raw", OnnxModel.FLOAT, 2, 2).bytes(9, floats(1, 2, 3, 4)),
        tensor("packed", OnnxModel.FLOAT, 3).bytes(4, floats(5, 6, 7)),
        tensor("shape", OnnxModel.INT64, 2).varint(7, 12).varint(7, 64),
        tensor("empty", OnnxModel.FLOAT, 0)));
    OnnxModel.Model m = OnnxProtoReader.read(f);
    OnnxModel.Tensor raw = m.graph().initializers().get(0);
    assertArrayEquals(new float[] {1, 2, 3, 4}, OnnxProtoReader.readFloats(f, raw));
    assertArrayEquals(new float[] {5, 6, 7}, OnnxProtoReader.readFloats(f, m.graph().initializers().get(1)));
    OnnxModel.Tensor shape = m.graph().initializers().get(2);
    assertNull(shape.location(), "int64_data has no single place in the file");
    assertArrayEquals(new long[] {12, 64}, toLongs(shape.raw()));
    assertEquals(0, OnnxProtoReader.readFloats(f, m.graph().initializers().get(3)).length);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxProtoReader.readFloats(f,
        shape));
    assertTrue(e.getMessage().contains("weights must be FLOAT"), e.getMessage());
  }

  private static long[] toLongs(byte[] raw) {
    long[] out = new long[raw.length / 8];
    ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(out);
    return out;
  }

  @Test
  void shouldRefuseExternalDataUnknownTypesAndOutOfBoundsShapes() throws IOException {
    assertRefusedEverywhere(model(tensor("w", OnnxModel.FLOAT, 1).varint(14, 1)), "external data");
    assertRefusedEverywhere(model(tensor("w", OnnxModel.FLOAT, 1)
        .message(13, new ProtoMsg().string(1, "location").string(2, "/etc/passwd"))), "external data");
    assertRefusedEverywhere(model(tensor("c", 14, 1).bytes(9, new byte[8])), "data type 14, which is not read here");
    assertRefusedEverywhere(model(tensor("w", OnnxModel.FLOAT, -1)), "dimension outside");
    assertRefusedEverywhere(model(tensor("w", OnnxModel.FLOAT, 1, 1, 1, 1, 1, 1, 1, 1, 1).bytes(9, floats(1))),
        "more than " + OnnxProtoReader.MAX_RANK + " dimensions");
    assertRefusedEverywhere(model(tensor("w", OnnxModel.FLOAT, 1 << 16, 1 << 16).bytes(9, floats(1))),
        "more than " + OnnxProtoReader.MAX_ELEMENTS + " elements");
    assertRefusedEverywhere(model(tensor("x".repeat(OnnxProtoReader.MAX_NAME_BYTES + 1), OnnxModel.FLOAT)),
        "a string of 4097 bytes");
    assertRefusedEverywhere(model(tensor("w", OnnxModel.FLOAT, 1).bytes(9, floats(1)),
        tensor("w", OnnxModel.FLOAT, 1).bytes(9, floats(1))), "initialiser w appears twice");
  }

  @Test
  void shouldRefuseMalformedBytesWithATypedErrorOnly() throws IOException {
    byte[] good;
    HeadsSpec heads = HeadsSpec.tokenClassification(3);
    try (BertModel model = BertModel.create(TinyBert.CONFIG, heads,
        WeightSource.ofArrays(TinyBert.randomWeights(TinyBert.CONFIG, heads, 1)))) {
      good = OnnxExporter.toBytes(model);
    }
    OnnxProtoReader.read(good, true);
    SplittableRandom random = new SplittableRandom(29);
    int refused = 0;
    for (int i = 0; i < 300; i++) {
      byte[] bad = good.clone();
      int changes = 1 + random.nextInt(4);
      for (int c = 0; c < changes; c++) {
        bad[random.nextInt(bad.length)] = (byte) random.nextInt(256);
      }
      if (i % 3 == 0) {
        bad = Arrays.copyOf(bad, random.nextInt(bad.length)); // truncated
      }
      try {
        OnnxProtoReader.read(bad, i % 2 == 0);
        if (i % 10 == 0) {
          OnnxProtoReader.read(file(bad));
        }
      } catch (IllegalArgumentException e) {
        assertTrue(e.getMessage().startsWith("onnx:"), e.getMessage());
        refused++;
      }
    }
    assertTrue(refused > 100, refused + " of 300 corrupted models refused");
  }
}
