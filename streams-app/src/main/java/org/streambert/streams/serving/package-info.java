/**
 * What serves: {@link org.streambert.streams.serving.ServingModel} (one loaded model version, reference-counted, that
 * plans texts into windows and predicts them), {@link org.streambert.streams.serving.ModelHolder} (the serving model
 * and the shadow candidate, swapped atomically, leased by batches), the engine seam
 * ({@link org.streambert.streams.serving.ModelLoader} and its options, {@link org.streambert.streams.serving.LoadedModel},
 * {@link org.streambert.streams.serving.ServingEngine}, the engines
 * {@link org.streambert.streams.serving.TensorFlowModelLoader} and
 * {@link org.streambert.streams.serving.OnnxRuntimeModelLoader}, and {@link org.streambert.streams.serving.ModelLoaders}
 * choosing among them from {@code nlp.model.engine}), the question-answering model and the shadow scorer of a
 * candidate. Another engine is another {@code ModelLoader} here.
 *
 * <p>Depends on {@code bert} and {@code schemas} only; every package of this module that runs or reports on models
 * may depend on it.
 */
package org.streambert.streams.serving;
