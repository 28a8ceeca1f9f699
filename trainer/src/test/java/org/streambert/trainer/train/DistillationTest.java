package org.streambert.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.BertModel;
import org.streambert.bert.model.ForwardPass;
import org.streambert.bert.model.ForwardResult;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.tokenizer.Vocab;
import org.streambert.bert.tokenizer.WordPieceTokenizer;
import org.streambert.trainer.data.ClassificationExample;
import org.streambert.trainer.data.DemoData;
import org.streambert.trainer.data.LabelSets;
import org.streambert.trainer.data.NerSentence;
import org.streambert.trainer.publish.RunExporter;

/**
 * Distillation of a tiny multi-task teacher (L=2, H=32) into an L=1 student: the student learns to agree with the
 * teacher on dev texts, and the soft-target loss falls.
 */
class DistillationTest {

  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());
  private static final long SEED = 7;
  private static final int EPOCHS = 8;

  @TempDir
  static Path dir;

  private static Vocab vocab;
  private static Path teacherRun;
  private static TaskData labelled;
  private static List<String> unlabelled;

  @BeforeAll
  static void trainTeacher() throws Exception {
    vocab = TinyModels.demoVocab();
    TaskData teacherData = new TaskData(TinyModels.topics(300, 1), TinyModels.topics(80, 2),
        TinyModels.sentences(300, 3), TinyModels.sentences(80, 4));
    TrainingResult teacher;
    try (StartingPoint start = StartingPoint.random(TinyModels.config(vocab.size()), vocab, false, SEED)) {
      teacher = FineTuningLoop.run(start, teacherData, TinyModels.training(), QUIET);
    }
    teacherRun = dir.resolve("teacher");
    RunExporter.export(teacherRun, new RunExporter.Identity("demo", "t1", null, teacherData.fingerprint()),
        teacher.config(), teacher.weights(), vocab, false, TinyModels.MAX_LENGTH, "topic", teacher.classLabels(),
        "ner", teacher.nerLabels(), teacher.best().metrics(), teacher.bestEpoch(), List.of());
    // A little labelled data, more unlabelled text of the same kind.
    labelled = new TaskData(TinyModels.topics(60, 11), TinyModels.topics(80, 12), TinyModels.sentences(60, 13),
        TinyModels.sentences(80, 14));
    unlabelled = new ArrayList<>();
    DemoData.classification(300, 15).forEach(e -> unlabelled.add(e.text()));
    DemoData.ner(300, 16).forEach(s -> unlabelled.add(Feature.text(s)));
  }

  private static StartingPoint oneLayerStudent() {
    BertConfig cfg = TinyModels.config(vocab.size()).truncated(1);
    return StartingPoint.random(cfg, vocab, false, SEED + 1);
  }

  @Test
  void shouldTrainAStudentThatAgreesWithTheTeacherFarBetterThanAnUntrainedOne() throws Exception {
    DistillResult result;
    try (Teacher teacher = Teacher.open(teacherRun.resolve("bundle"));
        StartingPoint student = oneLayerStudent()) {
      result = FineTuningLoop.distill(student, teacher, labelled, unlabelled, TinyModels.training().withEpochs(EPOCHS),
          DistillConfig.DEFAULTS, QUIET);
      assertEquals(teacher.classLabels(), result.student().classLabels());
      assertEquals(teacher.tokenLabels(), result.student().nerLabels());
      assertEquals(1, result.student().config().numHiddenLayers());

      WordPieceTokenizer tokenizer = new WordPieceTokenizer(vocab, false);
      Map<String, Integer> classIndex = LabelSets.index(teacher.classLabels());
      List<Feature> devTexts = new ArrayList<>();
      labelled.classDev().forEach(e -> devTexts.add(Feature.classification(tokenizer, e, classIndex,
          TinyModels.MAX_LENGTH)));
      Map<String, Integer> tagIndex = LabelSets.index(teacher.tokenLabels());
      for (NerSentence s : labelled.nerDev()) {
        devTexts.add(Feature.ner(tokenizer, s, tagIndex, TinyModels.MAX_LENGTH));
      }
      try (BertModel distilled = BertModel.create(result.student().config(), result.student().heads(),
              WeightSource.ofArrays(result.student().weights()));
          BertModel untrained = BertModel.create(result.student().config(), result.student().heads(),
              WeightSource.random(0.02, SEED + 1))) {
        double[] trained = agreement(teacher.forward(), distilled, devTexts, tokenizer.padId());
        double[] random = agreement(teacher.forward(), untrained, devTexts, tokenizer.padId());
        assertTrue(trained[0] >= 0.9 && trained[0] > random[0] + 0.3,
            "class agreement distilled " + trained[0] + " vs untrained " + random[0] + "\n" + result.teacher().toTable() + result.student().best().toTable());
        assertTrue(trained[1] >= 0.9 && trained[1] > random[1] + 0.3,
            "token agreement distilled " + trained[1] + " vs untrained " + random[1]);
      }
    }
    List<Double> soft = result.softLosses();
    assertEquals(EPOCHS, soft.size());
    assertTrue(soft.get(soft.size() - 1) < 0.5 * soft.get(0), "soft-target loss per epoch " + soft);
    assertTrue(result.teacher().score() > 0.9, result.teacher().toTable());
    assertTrue(result.student().best().score() > 0.8, result.student().best().toTable());
  }

  @Test
  void shouldDistilEveryTeacherHeadWhenTheLabelledDataCoversOnlyOneTask() throws Exception {
    TaskData topicsOnly = new TaskData(TinyModels.topics(60, 21), TinyModels.topics(40, 22), List.of(), List.of());
    try (Teacher teacher = Teacher.open(teacherRun);
        StartingPoint student = oneLayerStudent()) {
      DistillResult result = FineTuningLoop.distill(student, teacher, topicsOnly, unlabelled,
          TinyModels.training().withEpochs(2), DistillConfig.DEFAULTS, QUIET);
      assertEquals(teacher.tokenLabels(), result.student().nerLabels()); // the token head trains on soft targets
      assertEquals(teacher.tokenLabels().size(), result.student().heads().numTokenLabels());
      assertEquals(null, result.student().best().ner()); // no NER dev data to score it on
      assertTrue(result.teacher().classification() != null);
    }
  }

  @Test
  void shouldMarkTheFirstPieceOfEveryWholeWordOfAnUnlabelledText() {
    WordPieceTokenizer tokenizer = new WordPieceTokenizer(Vocab.of(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]",
        "[MASK]", "bob", "visit", "##ed", "rome", ".")), true);
    Feature f = Feature.unlabelled(tokenizer, "Bob visited Rome.", 32);
    // [CLS] bob visit ##ed rome . [SEP]: words "Bob", "visited", "Rome", "." start at 1, 2, 4, 5
    assertEquals(7, f.length());
    assertEquals(List.of(1, 2, 4, 5), Arrays.stream(f.firstPiece()).boxed().toList());
    Feature cut = Feature.unlabelled(tokenizer, "Bob visited Rome.", 5); // room for 3 pieces: "Rome" does not fit
    assertEquals(List.of(1, 2, -1, -1), Arrays.stream(cut.firstPiece()).boxed().toList());
    assertEquals(5, cut.length());
  }

  @Test
  void shouldRefuseAStudentWithMoreLayersThanTheTeacher() throws Exception {
    BertConfig deeper = TinyModels.config(vocab.size()).withNumHiddenLayers(3);
    try (Teacher teacher = Teacher.open(teacherRun);
        StartingPoint student = StartingPoint.random(deeper, vocab, false, SEED)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FineTuningLoop.distill(student,
          teacher, labelled, unlabelled, TinyModels.training(), DistillConfig.DEFAULTS, QUIET));
      assertTrue(e.getMessage().contains("more than the teacher's 2"), e.getMessage());
    }
  }

  @Test
  void shouldRefuseLabelledDataWithALabelTheTeacherDoesNotHave() throws Exception {
    List<ClassificationExample> weather = new ArrayList<>(TinyModels.topics(20, 31));
    weather.add(new ClassificationExample("rain again today", "weather"));
    TaskData data = new TaskData(weather, TinyModels.topics(10, 32), List.of(), List.of());
    try (Teacher teacher = Teacher.open(teacherRun);
        StartingPoint student = oneLayerStudent()) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FineTuningLoop.distill(student,
          teacher, data, List.of(), TinyModels.training(), DistillConfig.DEFAULTS, QUIET));
      assertTrue(e.getMessage().contains("'weather' is not one of the model's labels"), e.getMessage());
    }
  }

  @Test
  void shouldRefuseAStudentWithAnotherVocabulary() throws Exception {
    Vocab other = Vocab.of(vocab.tokens().subList(0, vocab.size() - 1));
    try (Teacher teacher = Teacher.open(teacherRun);
        StartingPoint student = StartingPoint.random(TinyModels.config(other.size()).truncated(1), other, false,
            SEED)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FineTuningLoop.distill(student,
          teacher, labelled, unlabelled, TinyModels.training(), DistillConfig.DEFAULTS, QUIET));
      assertTrue(e.getMessage().contains("vocabulary"), e.getMessage());
    }
  }

  /**
   * Share of topic dev texts whose arg-max class agrees with the teacher's, and of NER dev words whose arg-max token
   * label (at the word's first piece) agrees.
   */
  private static double[] agreement(ForwardPass teacher, ForwardPass student, List<Feature> features, int padId) {
    Batch b = Batch.of(features.stream().map(f -> new Feature(Task.UNLABELLED, f.ids(), Feature.IGNORED, null, null))
        .toList(), padId);
    ForwardResult t = teacher.run(b.size(), b.seqLen(), b.ids(), b.mask(), b.segments());
    ForwardResult s = student.run(b.size(), b.seqLen(), b.ids(), b.mask(), b.segments());
    int c = t.numClasses();
    int k = t.numTokenLabels();
    int classSame = 0;
    int classTexts = 0;
    int tokenSame = 0;
    int tokens = 0;
    for (int i = 0; i < b.size(); i++) {
      if (features.get(i).task() == Task.CLASSIFICATION) { // the topic head on topic texts
        classTexts++;
        if (Evaluator.argMax(t.classProbs(), i * c, c) == Evaluator.argMax(s.classProbs(), i * c, c)) {
          classSame++;
        }
        continue;
      }
      for (int p : features.get(i).firstPiece()) { // the NER head where it is served: each word's first piece
        if (p < 0) {
          continue;
        }
        int at = (i * b.seqLen() + p) * k;
        tokens++;
        if (Evaluator.argMax(t.tokenProbs(), at, k) == Evaluator.argMax(s.tokenProbs(), at, k)) {
          tokenSame++;
        }
      }
    }
    return new double[] {classSame / (double) classTexts, tokenSame / (double) tokens};
  }
}
