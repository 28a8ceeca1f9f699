package org.streambert.streams.serving;

import org.streambert.bert.model.Precision;

/**
 * The engine choice: which {@link ModelLoader} turns verified bundles into forward passes. The default is
 * {@link TensorFlowModelLoader} at the configured precision; any other loader is named by class
 * ({@code nlp.model.loader.class}) and built with its public no-argument constructor.
 */
public final class ModelLoaders {

  private ModelLoaders() {
  }

  /**
   * The loader named by {@code className}, or the TensorFlow loader at {@code precision} when it is null or blank.
   *
   * @throws IllegalArgumentException if the class is missing, not a {@link ModelLoader} or has no public no-argument
   *                                  constructor
   */
  public static ModelLoader create(String className, Precision precision) {
    if (className == null || className.isBlank()) {
      return new TensorFlowModelLoader(precision);
    }
    try {
      return Class.forName(className).asSubclass(ModelLoader.class).getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException | ClassCastException e) {
      throw new IllegalArgumentException(className + " is not a ModelLoader with a public no-argument constructor: "
          + e, e);
    }
  }
}
