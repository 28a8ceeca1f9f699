package org.streambert.trainer.cli;

import java.util.Locale;
import org.streambert.trainer.train.ServedText;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** {@code tokenized|raw|documents} in any case; anything else is a usage error naming the accepted values. */
public final class ServedTextConverter implements ITypeConverter<ServedText> {
  @Override
  public ServedText convert(String value) {
    try {
      return ServedText.valueOf(value.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException("'" + value + "' is not one of tokenized, raw, documents");
    }
  }
}
