package org.streambert.trainer.cli;

import org.streambert.bert.model.Precision;
import picocli.CommandLine.ITypeConverter;

/** {@code --precision auto|fp32|bf16} in any case; anything else is a usage error naming the accepted values. */
public final class PrecisionConverter implements ITypeConverter<Precision> {
  @Override
  public Precision convert(String value) {
    return Precision.parse(value);
  }
}
