package org.streambert.bert.bundle;

import java.io.IOException;
import org.streambert.bert.model.ForwardPass;

/** Opens the forward pass of a verified bundle (the graph code's SavedModel loader, or ONNX Runtime's). */
@FunctionalInterface
public interface ForwardPassLoader {

  /** Loads {@link ModelBundle#savedModelDir()}; the caller owns and closes the returned pass. */
  ForwardPass load(ModelBundle bundle) throws IOException;
}
