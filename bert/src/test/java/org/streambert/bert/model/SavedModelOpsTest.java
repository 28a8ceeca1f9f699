package org.streambert.bert.model;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedModel;

class SavedModelOpsTest {

  private static final HeadsSpec HEADS = new HeadsSpec(3, false, 4);

  @Test
  void shouldAllowEveryGraphThisProjectExports(@TempDir Path dir) {
    List<HeadsSpec> heads = List.of(HEADS, HeadsSpec.multiLabel(3).withTokenHead(4), new HeadsSpec(2, false, 0),
        new HeadsSpec(0, false, 3));
    int i = 0;
    for (Activation act : Activation.values()) {
      for (HeadsSpec h : heads) {
        BertConfig cfg = new BertConfig(100, 32, 2, 2, 64, act, 0.1, 0.1, 64, 2, 0.02);
        Path export = dir.resolve("m" + i++);
        try (BertModel m = BertModel.create(cfg, h, WeightSource.ofArrays(TinyBert.randomWeights(cfg, h, 7)))) {
          BertSavedModel.export(m, export);
        }
        SavedModelOps.check(export); // a new op in our own graphs must be added to ALLOWED_OPS on purpose
      }
    }
  }

  @Test
  void shouldAllowTheGraphOfEveryModelFamilyAndLoadItBack(@TempDir Path dir) {
    BertConfig base = new BertConfig(100, 32, 2, 2, 64, Activation.GELU_ERF, 0.1, 0.1, 66, 1, 0.02);
    for (ModelFamily family : ModelFamily.values()) {
      BertConfig cfg = family == ModelFamily.ELECTRA
          ? base.asFamily(family).withOptions(family, 1e-12, -1, 16, Activation.GELU_ERF) : base.asFamily(family);
      Path export = dir.resolve(family.configName());
      int[] ids = {2, 7, 9, 3, 0, 0};
      int[] mask = {1, 1, 1, 1, 0, 0};
      float[] before;
      try (BertModel m = BertModel.create(cfg, HEADS, WeightSource.ofArrays(TinyBert.randomWeights(cfg, HEADS, 7)))) {
        BertSavedModel.export(m, export);
        before = m.run(1, 6, ids, mask, new int[6]).classProbs();
      }
      SavedModelOps.check(export);
      try (BertModel loaded = BertSavedModel.load(export, cfg, HEADS)) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(before, loaded.run(1, 6, ids, mask, new int[6]).classProbs(),
            family + " after export and load");
      }
    }
  }

  @Test
  void shouldRefuseAnInitialiserThatCopiesAFileBeforeTensorFlowRunsIt(@TempDir Path dir) throws IOException {
    Path secret = Files.writeString(dir.resolve("secret.txt"), "root:x:0:0");
    Path control = maliciousExport(dir.resolve("control"), secret, dir.resolve("written-by-control"));
    Path attack = maliciousExport(dir.resolve("attack"), secret, dir.resolve("written-by-attack"));

    // The bundle really is an attack: TensorFlow's own loader runs the initialiser and writes the file.
    try (SavedModelBundle b = SavedModelBundle.load(control.toString(), BertSavedModel.TAG)) {
      assertTrue(Files.exists(dir.resolve("written-by-control")), "control: the init op should have run");
    }

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> BertSavedModel.load(attack, TinyBert.CONFIG, HEADS));
    assertTrue(e.getMessage().startsWith("graph.ops:") && e.getMessage().contains("'ReadFile'"), e.getMessage());
    assertFalse(Files.exists(dir.resolve("written-by-attack")), "refused before TensorFlow ran anything");
  }

  @Test
  void shouldRefuseASaveOpRunOnInitialisationAndGarbage(@TempDir Path dir) throws IOException {
    Path export = export(dir.resolve("m"));
    SavedModel sm = read(export);
    MetaGraphDef meta = sm.getMetaGraphs(0);
    NodeDef save = meta.getGraphDef().getNodeList().stream().filter(n -> n.getOp().equals("SaveV2")).findFirst()
        .orElseThrow();
    write(export, sm.toBuilder().setMetaGraphs(0, meta.toBuilder().putSignatureDef("__saved_model_init_op",
        MaliciousSavedModel.initSignature(save.getName()))).build());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SavedModelOps.check(export));
    assertTrue(e.getMessage().contains("SaveV2"), e.getMessage());

    Files.write(export.resolve("saved_model.pb"), new byte[] {8, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 1, 2, 3});
    assertThrows(IllegalArgumentException.class, () -> SavedModelOps.check(export));
  }

  /** A valid tiny BERT export plus an initialiser: ReadFile(secret) → WriteFile(target). */
  private static Path maliciousExport(Path dir, Path secret, Path target) throws IOException {
    Path export = export(dir);
    MaliciousSavedModel.addFileCopyInitOp(export, secret, target);
    return export;
  }

  private static Path export(Path dir) {
    try (BertModel m = BertModel.create(TinyBert.CONFIG, HEADS,
        WeightSource.ofArrays(TinyBert.randomWeights(TinyBert.CONFIG, HEADS, 3)))) {
      BertSavedModel.export(m, dir);
    }
    return dir;
  }

  private static SavedModel read(Path export) throws IOException {
    return SavedModel.parseFrom(Files.readAllBytes(export.resolve("saved_model.pb")));
  }

  private static void write(Path export, SavedModel sm) throws IOException {
    Files.write(export.resolve("saved_model.pb"), sm.toByteArray());
  }
}
