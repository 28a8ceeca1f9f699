package org.streambert.bert.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Test support: a Hugging Face checkpoint whose training diverged (one float32 weight set to NaN or infinity). */
public final class PoisonedSafetensors {

  private PoisonedSafetensors() {}

  /** Overwrites element {@code index} of float32 tensor {@code name} in a safetensors file with {@code value}. */
  public static void poison(Path file, String name, int index, float value) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int headerLength = Math.toIntExact(b.getLong(0));
    JsonNode header = new ObjectMapper().readTree(new String(bytes, 8, headerLength, StandardCharsets.UTF_8));
    JsonNode tensor = header.get(name);
    if (tensor == null || !tensor.get("dtype").asText().equals("F32")) {
      throw new IllegalArgumentException("no float32 tensor " + name + " in " + file);
    }
    long begin = tensor.get("data_offsets").get(0).asLong();
    b.putFloat(Math.toIntExact(8 + headerLength + begin + 4L * index), value);
    Files.write(file, bytes);
  }
}
