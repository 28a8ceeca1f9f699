package org.streambert.streams.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.streambert.streams.serving.ServingEngine.ONNXRUNTIME_FP32;
import static org.streambert.streams.serving.ServingEngine.ONNXRUNTIME_INT8;
import static org.streambert.streams.serving.ServingEngine.TENSORFLOW_BF16;
import static org.streambert.streams.serving.ServingEngine.TENSORFLOW_FP32;
import static org.streambert.streams.serving.ServingEngine.TENSORFLOW_INT8;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.streambert.bert.model.Precision;
import org.streambert.bert.onnx.OnnxPrecision;
import org.streambert.streams.NlpConfig;
import org.streambert.streams.serving.ModelLoaders.Engine;
import org.streambert.streams.serving.ModelLoaders.Settings;

class ModelLoadersTest {

  private static Settings settings(Engine engine, Precision tf, OnnxPrecision onnx) {
    return new Settings(engine, tf, Optional.ofNullable(onnx), 0, false);
  }

  @Test
  void shouldTryEveryAllowedEngineFastestFirstAsMeasured() {
    Settings auto = settings(Engine.AUTO, Precision.AUTO, null);
    assertEquals(List.of(ONNXRUNTIME_INT8, TENSORFLOW_INT8, TENSORFLOW_BF16, TENSORFLOW_FP32, ONNXRUNTIME_FP32),
        auto.order(true, true, true));
    assertEquals(List.of(ONNXRUNTIME_INT8, TENSORFLOW_BF16, TENSORFLOW_FP32, ONNXRUNTIME_FP32),
        auto.order(true, true, false), "no TensorFlow int8 where the CPU has no 8-bit dot product (VNNI, AMX-INT8)");
    assertEquals(List.of(ONNXRUNTIME_INT8, TENSORFLOW_FP32, ONNXRUNTIME_FP32), auto.order(true, false, false),
        "no bf16 where the CPU has neither AMX-BF16 nor AVX512-BF16");
  }

  @Test
  void shouldServeABundleWithoutAnOnnxFileOnTensorFlowUnderAuto() {
    assertEquals(List.of(TENSORFLOW_INT8, TENSORFLOW_BF16, TENSORFLOW_FP32), settings(Engine.AUTO, Precision.AUTO,
        null).order(false, true, true));
    assertEquals(List.of(), settings(Engine.ONNXRUNTIME, Precision.AUTO, null).order(false, true, true),
        "onnxruntime alone has nothing to serve such a bundle with");
  }

  @Test
  void shouldKeepToThePinnedEngineAndPrecisions() {
    assertEquals(List.of(TENSORFLOW_BF16, TENSORFLOW_FP32), settings(Engine.TENSORFLOW, Precision.AUTO, null)
        .order(true, true, false), "tensorflow ignores the ONNX file");
    assertEquals(List.of(TENSORFLOW_INT8, TENSORFLOW_BF16, TENSORFLOW_FP32), settings(Engine.TENSORFLOW,
        Precision.AUTO, null).order(true, true, true));
    assertEquals(List.of(TENSORFLOW_FP32), settings(Engine.TENSORFLOW, Precision.FP32, null).order(true, true, true));
    assertEquals(List.of(ONNXRUNTIME_INT8, ONNXRUNTIME_FP32), settings(Engine.ONNXRUNTIME, Precision.AUTO, null)
        .order(true, true, true));
    assertEquals(List.of(ONNXRUNTIME_FP32), settings(Engine.ONNXRUNTIME, Precision.BF16, OnnxPrecision.FP32)
        .order(true, true, true));
    assertEquals(List.of(ONNXRUNTIME_INT8, TENSORFLOW_FP32), settings(Engine.AUTO, Precision.FP32,
        OnnxPrecision.INT8).order(true, true, true));
  }

  @Test
  void shouldServePerTensorInt8OnlyWhenNamed() {
    assertEquals(List.of(ServingEngine.ONNXRUNTIME_INT8_PER_TENSOR, TENSORFLOW_FP32), settings(Engine.AUTO,
        Precision.FP32, OnnxPrecision.INT8_PER_TENSOR).order(true, true, true));
    assertEquals(new ServingEngine("onnxruntime", "int8-per-tensor"), ServingEngine.ONNXRUNTIME_INT8_PER_TENSOR);
    assertEquals(OnnxPrecision.INT8_PER_TENSOR, OnnxPrecision.parse("INT8_per_tensor"));
    NlpConfig config = new NlpConfig(Map.of(NlpConfig.MODEL_ONNXRUNTIME_PRECISION_CONFIG, "int8-per-tensor"));
    assertEquals(Optional.of(OnnxPrecision.INT8_PER_TENSOR), config.engineSettings().onnxPrecision());
  }

  @Test
  void shouldServeTensorFlowInt8WhenNamedOrWhereTheCpuHasAnInt8DotProduct() {
    Settings int8 = new NlpConfig(Map.of(NlpConfig.MODEL_PRECISION_CONFIG, "int8")).engineSettings();
    assertEquals(Precision.INT8, int8.tensorflowPrecision());
    assertEquals(List.of(ServingEngine.TENSORFLOW_INT8), int8.order(false, true, true));
    assertEquals(List.of(ONNXRUNTIME_INT8, ServingEngine.TENSORFLOW_INT8, ONNXRUNTIME_FP32),
        int8.order(true, true, false), "named, it serves even without an 8-bit dot product");
    TensorFlowModelLoader loader = assertInstanceOf(TensorFlowModelLoader.class,
        ModelLoaders.loaderOf(ServingEngine.TENSORFLOW_INT8, int8));
    assertEquals(Precision.INT8, loader.precision());
    assertEquals(ServingEngine.TENSORFLOW_INT8, ServingEngine.tensorflow(Precision.INT8));
  }

  @Test
  void shouldReadTheEngineSettingsFromTheConfiguration() {
    Settings defaults = new NlpConfig(Map.of()).engineSettings();
    assertEquals(settings(Engine.AUTO, Precision.AUTO, null), defaults);
    Settings set = new NlpConfig(Map.of(NlpConfig.MODEL_ENGINE_CONFIG, "onnxruntime",
        NlpConfig.MODEL_ONNXRUNTIME_PRECISION_CONFIG, "int8", NlpConfig.MODEL_ONNXRUNTIME_THREADS_CONFIG, "2",
        NlpConfig.MODEL_ONNXRUNTIME_SPINNING_CONFIG, "true", NlpConfig.MODEL_PRECISION_CONFIG, "fp32"))
        .engineSettings();
    assertEquals(new Settings(Engine.ONNXRUNTIME, Precision.FP32, Optional.of(OnnxPrecision.INT8), 2, true), set);
    assertInstanceOf(TensorFlowModelLoader.class, ModelLoaders.loaderOf(TENSORFLOW_BF16, set));
    OnnxRuntimeModelLoader ort = assertInstanceOf(OnnxRuntimeModelLoader.class,
        ModelLoaders.loaderOf(ONNXRUNTIME_INT8, set));
    assertEquals(ONNXRUNTIME_INT8, ort.engine());
  }

  @Test
  void shouldRejectAnUnknownEngineNamingTheKey() {
    Exception e = assertThrows(Exception.class,
        () -> new NlpConfig(Map.of(NlpConfig.MODEL_ENGINE_CONFIG, "pytorch")));
    assertTrue(e.getMessage().contains(NlpConfig.MODEL_ENGINE_CONFIG), e.getMessage());
    e = assertThrows(Exception.class,
        () -> new NlpConfig(Map.of(NlpConfig.MODEL_ONNXRUNTIME_PRECISION_CONFIG, "bf16")));
    assertTrue(e.getMessage().contains(NlpConfig.MODEL_ONNXRUNTIME_PRECISION_CONFIG), e.getMessage());
  }
}
