/**
 * ONNX: the bundle's BERT graph and heads as an ONNX model, and ONNX Runtime as an optional engine.
 *
 * <ul>
 *   <li>{@link org.streambert.bert.onnx.OnnxExporter} writes a model or bundle as ONNX (layout:
 *       {@link org.streambert.bert.onnx.OnnxLayout}); it needs only protobuf, which TensorFlow brings.</li>
 *   <li>{@link org.streambert.bert.onnx.OnnxQuantizer} is the int8 pass (dynamic activations, per-column int8
 *       weights) over an exported model.</li>
 *   <li>{@link org.streambert.bert.onnx.OnnxOps} is the allow-list check a bundle's ONNX file passes before ONNX
 *       Runtime sees it.</li>
 *   <li>{@link org.streambert.bert.onnx.OnnxBundles} writes bundles that carry an ONNX file and opens them through
 *       {@link org.streambert.bert.onnx.OnnxRuntimeForwardPass}, which needs {@code com.microsoft.onnxruntime:onnxruntime}
 *       on the class path (an optional dependency of this module).</li>
 * </ul>
 */
package org.streambert.bert.onnx;
