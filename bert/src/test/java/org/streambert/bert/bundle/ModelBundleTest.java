package org.streambert.bert.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.bundle.internals.BundleFiles;
import org.streambert.bert.bundle.internals.Manifest;
import org.streambert.bert.heads.ClassificationHead;
import org.streambert.bert.heads.TokenClassificationHead;

class ModelBundleTest {

  private static final String VARIABLES = "saved_model/variables/variables.data-00000-of-00001";

  @TempDir
  Path tmp;

  private static BundleContents contents() {
    List<String> vocab = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "##s", "é"));
    Map<String, Object> bert = new LinkedHashMap<>();
    bert.put("vocab_size", vocab.size());
    bert.put("hidden_size", 32);
    bert.put("num_hidden_layers", 2);
    bert.put("num_attention_heads", 2);
    bert.put("intermediate_size", 64);
    bert.put("hidden_act", "gelu");
    bert.put("max_position_embeddings", 64);
    bert.put("type_vocab_size", 2);
    bert.put("initializer_range", 0.02);
    ModelDescriptor model = new ModelDescriptor("tiny-ner", "1", Instant.parse("2025-01-31T12:00:00Z"),
        ModelDescriptor.bertConfigOf(bert), new TokenizerSettings(true, 32),
        List.of(new ClassificationHead("topic", List.of("sport", "news"), false),
            new TokenClassificationHead("ner", List.of("O", "B-PER", "I-PER"))));
    return new BundleContents(model, vocab);
  }

  private static void fakeSavedModel(Path dir) throws IOException {
    Files.createDirectories(dir.resolve("variables"));
    Files.write(dir.resolve("saved_model.pb"), new byte[] {8, 1, 2, 3});
    Files.write(dir.resolve("variables/variables.index"), new byte[] {4, 5});
    Files.write(dir.resolve("variables/variables.data-00000-of-00001"), new byte[] {6, 7, 8});
  }

  private Path written() throws IOException {
    Path dir = tmp.resolve("bundle");
    ModelBundle.write(dir, contents(), ModelBundleTest::fakeSavedModel);
    return dir;
  }

  @Test
  void shouldReadBackWhatWasWritten() throws Exception {
    Path dir = tmp.resolve("bundle");
    ModelBundle written = ModelBundle.write(dir, contents(), ModelBundleTest::fakeSavedModel);
    ModelBundle opened = ModelBundle.open(dir);

    assertEquals(contents().model(), opened.model());
    assertEquals(8, opened.model().vocabSize());
    assertEquals(64, opened.model().maxPositionEmbeddings());
    assertEquals(List.of("O", "B-PER", "I-PER"), opened.model().tokenClassificationHead().orElseThrow().labels());
    assertEquals(contents().vocab(), Files.readAllLines(opened.vocabFile(), StandardCharsets.UTF_8));
    assertEquals(List.of("model.json", "saved_model/saved_model.pb",
        "saved_model/variables/variables.data-00000-of-00001", "saved_model/variables/variables.index", "vocab.txt"),
        List.copyOf(opened.files().keySet()));
    String manifestHash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
        .digest(Files.readAllBytes(dir.resolve("MANIFEST.json"))));
    assertEquals(manifestHash, opened.manifestSha256());
    assertEquals(manifestHash, written.manifestSha256());
    assertTrue(Files.isRegularFile(opened.savedModelDir().resolve("saved_model.pb")));
  }

  @Test
  void shouldRefuseTamperedFileNamingIt() throws Exception {
    Path dir = written();
    Files.write(dir.resolve(VARIABLES), new byte[] {6, 7, 9});
    BundleException e = assertThrows(BundleException.class, () -> ModelBundle.open(dir));
    assertTrue(e.getMessage().contains("hash mismatch in " + VARIABLES), e.getMessage());
  }

  @Test
  void shouldRefuseASymlinkLeadingOutsideTheBundleEvenWhenItsHashMatches() throws Exception {
    Path dir = written();
    Path outside = Files.write(tmp.resolve("outside-file"), Files.readAllBytes(dir.resolve(VARIABLES)));
    Files.delete(dir.resolve(VARIABLES));
    Files.createSymbolicLink(dir.resolve(VARIABLES), outside);
    BundleException e = assertThrows(BundleException.class, () -> ModelBundle.open(dir));
    assertTrue(e.getMessage().contains("symbolic link leading outside the bundle: " + VARIABLES), e.getMessage());
  }

  @Test
  void shouldRefuseAManifestLargerThanTheCap() throws Exception {
    Path dir = written();
    Files.write(dir.resolve(ModelBundle.MANIFEST_FILE), new byte[ModelBundle.MAX_MANIFEST_BYTES + 1]);
    BundleException e = assertThrows(BundleException.class, () -> ModelBundle.open(dir));
    assertTrue(e.getMessage().contains("larger than"), e.getMessage());
  }

  @Test
  void shouldRefuseMissingFile() throws Exception {
    Path dir = written();
    Files.delete(dir.resolve("vocab.txt"));
    BundleException e = assertThrows(BundleException.class, () -> ModelBundle.open(dir));
    assertTrue(e.getMessage().contains("missing file vocab.txt"), e.getMessage());
  }

  @Test
  void shouldRefuseUnlistedFile() throws Exception {
    Path dir = written();
    Files.writeString(dir.resolve("saved_model/notes.txt"), "hello");
    BundleException e = assertThrows(BundleException.class, () -> ModelBundle.open(dir));
    assertTrue(e.getMessage().contains("unlisted file saved_model/notes.txt"), e.getMessage());
  }

  @Test
  void shouldRefuseVocabularyOfWrongSizeEvenWithMatchingManifest() throws Exception {
    Path dir = written();
    Files.writeString(dir.resolve("vocab.txt"), "extra\n", StandardOpenOption.APPEND);
    remanifest(dir);
    BundleException e = assertThrows(BundleException.class, () -> ModelBundle.open(dir));
    assertTrue(e.getMessage().contains("vocab.txt has 9 entries but model.json bert_config.vocab_size is 8"),
        e.getMessage());
  }

  @Test
  void shouldRefuseHeadWithDuplicateLabelsNamingModelJson() throws Exception {
    Path dir = written();
    Path modelJson = dir.resolve("model.json");
    Files.writeString(modelJson, Files.readString(modelJson).replace("\"I-PER\"", "\"B-PER\""));
    remanifest(dir);
    BundleException e = assertThrows(BundleException.class, () -> ModelBundle.open(dir));
    assertTrue(e.getMessage().contains("model.json is invalid") && e.getMessage().contains("duplicate label 'B-PER'"),
        e.getMessage());
  }

  @Test
  void shouldLeaveNothingBehindWhenSavedModelWriterFails() throws Exception {
    Path dir = tmp.resolve("bundle");
    BundleException e = assertThrows(BundleException.class, () -> ModelBundle.write(dir, contents(), savedModel -> {
      Files.createDirectories(savedModel);
      Files.write(savedModel.resolve("saved_model.pb"), new byte[] {1});
      throw new IOException("disk full");
    }));
    assertTrue(e.getMessage().contains("disk full"), e.getMessage());
    try (Stream<Path> left = Files.list(tmp)) {
      assertEquals(List.of(), left.toList(), "no bundle and no temporary directory");
    }
  }

  @Test
  void shouldRefuseToOverwriteExistingBundleUnlessAsked() throws Exception {
    Path dir = written();
    String before = ModelBundle.open(dir).manifestSha256();
    assertThrows(BundleException.class, () -> ModelBundle.write(dir, contents(), ModelBundleTest::fakeSavedModel));

    ModelBundle replaced = ModelBundle.write(dir, contents(), savedModel -> {
      fakeSavedModel(savedModel);
      Files.write(savedModel.resolve("saved_model.pb"), new byte[] {9, 9});
    }, true);
    assertFalse(before.equals(replaced.manifestSha256()));
    assertEquals(replaced.manifestSha256(), ModelBundle.open(dir).manifestSha256());
    try (Stream<Path> left = Files.list(tmp)) {
      assertEquals(List.of(dir), left.toList(), "old bundle and temporary directory removed");
    }
  }

  /** Rewrites MANIFEST.json with the current hashes, so only the content checks can refuse the bundle. */
  private static void remanifest(Path dir) throws IOException {
    TreeMap<String, String> hashes = new TreeMap<>();
    for (String file : BundleFiles.listFiles(dir)) {
      if (!file.equals(ModelBundle.MANIFEST_FILE)) {
        hashes.put(file, BundleFiles.sha256(dir.resolve(file)));
      }
    }
    Files.write(dir.resolve(ModelBundle.MANIFEST_FILE), new Manifest(ModelBundle.FORMAT_VERSION, hashes).toJson());
  }

}
