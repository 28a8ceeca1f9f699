package org.streambert.trainer.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.streambert.bert.qa.QaOptions;

/**
 * The {@value #FILE} that {@code fine-tune-squad} writes next to its checkpoint: the tokenizer casing and the
 * windowing/decoding settings the model was trained with, so a server (the streams-app's QA mode) answers with the same
 * ones. A flat JSON object: {@code doLowerCase}, {@code maxSeqLength}, {@code docStride}, {@code maxQueryLength},
 * {@code nBestSize}, {@code maxAnswerLength}.
 */
record QaSettings(boolean doLowerCase, QaOptions options) {
  static final String FILE = "qa.json";

  void write(Path dir) throws IOException {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("doLowerCase", doLowerCase);
    m.put("maxSeqLength", options.maxSeqLength());
    m.put("docStride", options.docStride());
    m.put("maxQueryLength", options.maxQueryLength());
    m.put("nBestSize", options.nBestSize());
    m.put("maxAnswerLength", options.maxAnswerLength());
    Files.writeString(dir.resolve(FILE), new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(m)
        + "\n");
  }
}
