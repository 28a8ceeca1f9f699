package org.streambert.bert.tokenizer;

import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.streambert.bert.weights.EasyBertArtifact;

/**
 * Every BMP code point, and every 16th astral one, inside and after a word ({@code "ab" + c + "cd " + c}), is
 * tokenized as Hugging Face does: this pins the measured character tables (controls, punctuation, marks) of
 * {@code HfCharTables}, which would drift if the reference were upgraded. {@code -Dtokenizer.sweep.stride=1}
 * checks every astral code point too (about a minute).
 */
class WordPieceCodePointSweepTest {

  private static final int BATCH = 4096;
  private static final int ASTRAL_STRIDE = Integer.getInteger("tokenizer.sweep.stride", 16);

  @TempDir
  Path tmp;

  @ParameterizedTest
  @EnumSource(value = EasyBertArtifact.class, names = {"UNCASED", "CASED"})
  void shouldTokenizeEveryCharacterClassLikeHuggingFace(EasyBertArtifact artifact) throws Exception {
    Path vocabTxt = HfReference.vocabFile(artifact);
    WordPieceTokenizer ours = WordPieceTokenizer.fromVocabFile(vocabTxt, artifact.doLowerCase());
    List<String> mismatches = new ArrayList<>();
    int compared = 0;
    try (HuggingFaceTokenizer hf = HfReference.open(vocabTxt, artifact.doLowerCase(), tmp)) {
      List<String> batch = new ArrayList<>(BATCH);
      for (int cp = 1; cp <= Character.MAX_CODE_POINT; cp += cp < 0x10000 ? 1 : ASTRAL_STRIDE) {
        if (cp < Character.MIN_SURROGATE || cp > Character.MAX_SURROGATE) {
          String c = new String(Character.toChars(cp));
          batch.add("ab" + c + "cd " + c);
        }
        if (batch.size() == BATCH || cp + ASTRAL_STRIDE > Character.MAX_CODE_POINT) {
          ai.djl.huggingface.tokenizers.Encoding[] expected = hf.batchEncode(batch);
          for (int i = 0; i < batch.size(); i++) {
            compared++;
            String mismatch = compare(batch.get(i), expected[i], ours.encode(batch.get(i), Integer.MAX_VALUE));
            if (mismatch != null && mismatches.size() < 10) {
              mismatches.add(mismatch);
            }
          }
          batch.clear();
        }
      }
    }
    System.out.printf("code point sweep against Hugging Face, %s: %d texts compared, %s%n", artifact, compared,
        mismatches.isEmpty() ? "no mismatch" : "mismatches");
    if (!mismatches.isEmpty()) {
      fail("tokenization differs from Hugging Face for these chars (first 10):\n" + String.join("\n", mismatches));
    }
  }

  private static String compare(String text, ai.djl.huggingface.tokenizers.Encoding hf, Encoding ours) {
    long[] ids = hf.getIds();
    CharSpan[] spans = hf.getCharTokenSpans();
    boolean equal = ids.length == ours.size();
    for (int j = 0; equal && j < ids.length; j++) {
      equal = ids[j] == ours.inputIds()[j]
          && (spans[j] == null ? 0 : spans[j].getStart()) == ours.starts()[j]
          && (spans[j] == null ? 0 : spans[j].getEnd()) == ours.ends()[j];
    }
    if (equal) {
      return null;
    }
    int cp = text.codePointAt(2);
    StringBuilder sb = new StringBuilder(String.format("  U+%04X %s: hf", cp, Character.getName(cp)));
    for (int j = 0; j < ids.length; j++) {
      sb.append(' ').append(ids[j]).append(spans[j] == null ? "" : "(" + spans[j].getStart() + "," + spans[j].getEnd() + ")");
    }
    sb.append(" / ours");
    for (int j = 0; j < ours.size(); j++) {
      sb.append(' ').append(ours.inputIds()[j]).append(j == 0 || j == ours.size() - 1 ? ""
          : "(" + ours.starts()[j] + "," + ours.ends()[j] + ")");
    }
    return sb.toString();
  }
}
