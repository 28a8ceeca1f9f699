package org.streambert.streams.architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.WildcardType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The project's rooms stay clean: the rules of the developers' guide and CONVENTIONS.md, checked on the main sources
 * of every module (read from the checkout, so the test sees trainer's code too although this module cannot import
 * it). See {@link SourceGraph} for what counts as a dependency and what a room is.
 */
class DependencyRulesTest {

  /** Every module with main sources, in build order. */
  static final List<String> MODULES = List.of("schemas", "bert", "trainer", "streams-app", "streams-testkit", "bench");

  /** What each module may import: schemas and bert are the roots, neither program imports the other. */
  static final Map<String, Set<String>> MAY_IMPORT = Map.of(
      "schemas", Set.of(),
      "bert", Set.of(),
      "trainer", Set.of("schemas", "bert"),
      "streams-app", Set.of("schemas", "bert"),
      "streams-testkit", Set.of("schemas", "bert", "streams-app"),
      "bench", Set.of("schemas", "bert", "trainer", "streams-app"));

  /**
   * Package cycles known when this test was written, outside the modules issue 20 rebuilt (schemas, streams-app), left
   * because other work was changing those files at the time. This list may only shrink: when a cycle disappears the
   * test says so.
   * <ul>
   *   <li>trainer: TrainerApp lists the commands (trainer → cli), the commands return ExitCodes (cli → trainer).</li>
   * </ul>
   */
  static final Set<Set<String>> KNOWN_PACKAGE_CYCLES = Set.of(
      Set.of("org.streambert.trainer", "org.streambert.trainer.cli"));

  /**
   * Class cycles known when this test was written, outside the modules issue 20 rebuilt; may only shrink. trainer:
   * TextTopicOptions reads through TextTopicSource, which quotes TextTopicOptions' error messages.
   */
  static final Set<Set<String>> KNOWN_CLASS_CYCLES = Set.of(
      Set.of("org.streambert.trainer.cli.TextTopicOptions", "org.streambert.trainer.cli.TextTopicSource"));

  /** Modules whose code names project classes only through imports (no inline fully-qualified names). */
  static final Set<String> NO_INLINE_NAMES = Set.of("schemas", "streams-app", "streams-testkit");

  /** The project's one reader of ONNX protobuf (issue 30): no other main class decodes ModelProto fields. */
  static final String ONNX_READER = "org.streambert.bert.onnx.internals.OnnxProtoReader";
  /**
   * What decoding protobuf looks like in code (comments and string literals stripped): protobuf-java's wire-format
   * decoder, its field-number accessor, or a generated {@code ModelProto.parseFrom}. Writing (CodedOutputStream) is
   * not reading and stays allowed.
   */
  static final Pattern PROTOBUF_DECODING = Pattern.compile(
      "\\b(CodedInputStream|getTagFieldNumber|ModelProto\\s*\\.\\s*parseFrom)\\b");

  private static SourceGraph graph;

  @BeforeAll
  static void readSources() {
    graph = SourceGraph.read(projectRoot(), MODULES);
  }

  /** The checkout's root: the parent of this module (tests run in the module directory). */
  static Path projectRoot() {
    Path here = Path.of("").toAbsolutePath();
    Path root = Files.isDirectory(here.resolve("streams-app")) ? here : here.getParent();
    assertTrue(Files.isRegularFile(root.resolve("pom.xml")) && Files.isDirectory(root.resolve("schemas")),
        "not run from a checkout of the project: " + here);
    return root;
  }

  @Test
  void shouldHaveNoCycleBetweenClassesBeyondTheKnownOnes() {
    List<String> problems = new ArrayList<>();
    Set<Set<String>> seen = new HashSet<>();
    for (List<String> cycle : SourceGraph.cycles(graph.classEdges())) {
      seen.add(Set.copyOf(cycle));
      if (!KNOWN_CLASS_CYCLES.contains(Set.copyOf(cycle))) {
        problems.add("classes in a cycle:" + graph.describeClassCycle(cycle));
      }
    }
    for (Set<String> known : KNOWN_CLASS_CYCLES) {
      if (!seen.contains(known)) {
        problems.add("the known cycle " + new TreeSet<>(known) + " is gone: remove it from KNOWN_CLASS_CYCLES");
      }
    }
    assertTrue(problems.isEmpty(), String.join("\n", problems));
  }

  @Test
  void shouldHaveNoCycleBetweenPackagesBeyondTheKnownOnes() {
    List<String> problems = new ArrayList<>();
    Set<Set<String>> seen = new HashSet<>();
    Map<String, Set<String>> packages = graph.packageEdges();
    for (List<String> cycle : SourceGraph.cycles(packages)) {
      seen.add(Set.copyOf(cycle));
      if (KNOWN_PACKAGE_CYCLES.contains(Set.copyOf(cycle))) {
        continue;
      }
      StringBuilder sb = new StringBuilder("packages in a cycle: " + cycle);
      for (String a : cycle) {
        for (String b : packages.get(a)) {
          if (cycle.contains(b)) {
            graph.edgesBetweenPackages(a, b).forEach(e -> sb.append("\n    ").append(e));
          }
        }
      }
      problems.add(sb.toString());
    }
    for (Set<String> known : KNOWN_PACKAGE_CYCLES) {
      if (!seen.contains(known)) {
        problems.add("the known cycle " + new TreeSet<>(known) + " is gone: remove it from KNOWN_PACKAGE_CYCLES");
      }
    }
    assertTrue(problems.isEmpty(), String.join("\n", problems));
  }

  @Test
  void shouldImportOnlyTheModulesTheArchitectureAllows() {
    List<String> problems = new ArrayList<>();
    graph.classEdges().forEach((from, tos) -> {
      String a = graph.moduleOf(from);
      for (String to : tos) {
        String b = graph.moduleOf(to);
        if (!a.equals(b) && !MAY_IMPORT.get(a).contains(b)) {
          problems.add(a + " may not import " + b + ": " + from + " -> " + to);
        }
      }
    });
    assertTrue(problems.isEmpty(), String.join("\n", problems));
  }

  @Test
  void shouldNeverImportAnotherModulesInternals() {
    List<String> problems = new ArrayList<>();
    graph.classEdges().forEach((from, tos) -> {
      for (String to : tos) {
        if (!graph.moduleOf(from).equals(graph.moduleOf(to))
            && SourceGraph.isInternal(graph.sources().get(to).pkg())) {
          problems.add(from + " -> " + to);
        }
      }
    });
    assertTrue(problems.isEmpty(), "another module's internals:\n" + String.join("\n", problems));
  }

  @Test
  void shouldDecodeOnnxProtobufOnlyInTheOneReader() {
    SourceGraph.Source reader = graph.sources().get(ONNX_READER);
    assertTrue(reader != null && PROTOBUF_DECODING.matcher(reader.code()).find(),
        "the marker no longer finds the reader " + ONNX_READER + ": update this rule with it");
    List<String> problems = new ArrayList<>();
    graph.sources().forEach((fqn, source) -> {
      if (!fqn.equals(ONNX_READER) && PROTOBUF_DECODING.matcher(source.code()).find()) {
        problems.add(fqn);
      }
    });
    assertTrue(problems.isEmpty(), "protobuf decoded outside " + ONNX_READER + " (use it, with its bounds):\n"
        + String.join("\n", problems));
  }

  @Test
  void shouldTellADecoderOfProtobufFromAWriter() {
    assertTrue(PROTOBUF_DECODING.matcher("CodedInputStream in = CodedInputStream.newInstance(b);").find());
    assertTrue(PROTOBUF_DECODING.matcher("int f = WireFormat.getTagFieldNumber(tag);").find());
    assertTrue(PROTOBUF_DECODING.matcher("var m = Onnx.ModelProto.parseFrom(bytes);").find());
    assertFalse(PROTOBUF_DECODING.matcher("CodedOutputStream out = CodedOutputStream.newInstance(b);").find());
  }

  @Test
  void shouldNameProjectClassesThroughImportsInTheRebuiltModules() {
    List<String> problems = new ArrayList<>();
    graph.inlineNames().forEach((from, names) -> {
      if (NO_INLINE_NAMES.contains(graph.moduleOf(from))) {
        problems.add(from + " names " + names + " inline; import them");
      }
    });
    assertTrue(problems.isEmpty(), String.join("\n", problems));
  }

  /**
   * The public packages of this module (not {@code internals}) are its API: their public classes' public and
   * protected members must not hand out machinery (types of an {@code internals} package), so a user never needs
   * one.
   */
  @Test
  void shouldNotExposeInternalsInThePublicApi() throws Exception {
    List<String> problems = new ArrayList<>();
    for (SourceGraph.Source s : graph.sources().values()) {
      if (!s.module().equals("streams-app") || SourceGraph.isInternal(s.pkg())) {
        continue;
      }
      Class<?> type = Class.forName(s.fqn());
      checkApi(type, problems);
      for (Class<?> nested : type.getDeclaredClasses()) {
        checkApi(nested, problems);
      }
    }
    assertTrue(problems.isEmpty(), "public API exposing internals:\n" + String.join("\n", problems));
  }

  private static void checkApi(Class<?> type, List<String> problems) {
    if (!Modifier.isPublic(type.getModifiers())) {
      return;
    }
    for (Method m : type.getDeclaredMethods()) {
      if (visible(m.getModifiers()) && !m.isSynthetic()) {
        List<Type> types = new ArrayList<>(List.of(m.getGenericParameterTypes()));
        types.add(m.getGenericReturnType());
        report(type.getName() + "." + m.getName(), types, problems);
      }
    }
    for (Constructor<?> c : type.getDeclaredConstructors()) {
      if (visible(c.getModifiers())) {
        report(type.getName() + ".<init>", List.of(c.getGenericParameterTypes()), problems);
      }
    }
    for (Field f : type.getDeclaredFields()) {
      if (visible(f.getModifiers())) {
        report(type.getName() + "." + f.getName(), List.of(f.getGenericType()), problems);
      }
    }
  }

  private static boolean visible(int modifiers) {
    return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
  }

  private static void report(String member, List<Type> types, List<String> problems) {
    for (Type t : types) {
      for (Class<?> c : classesIn(t)) {
        if (c.getPackage() != null && c.getName().startsWith("org.streambert.")
            && SourceGraph.isInternal(c.getPackage().getName())) {
          problems.add(member + " uses " + c.getName());
        }
      }
    }
  }

  private static List<Class<?>> classesIn(Type t) {
    List<Class<?>> out = new ArrayList<>();
    if (t instanceof Class<?> c) {
      out.add(c.isArray() ? c.getComponentType() : c);
    } else if (t instanceof ParameterizedType p) {
      out.addAll(classesIn(p.getRawType()));
      for (Type arg : p.getActualTypeArguments()) {
        out.addAll(classesIn(arg));
      }
    } else if (t instanceof WildcardType w) {
      for (Type b : w.getUpperBounds()) {
        out.addAll(classesIn(b));
      }
      for (Type b : w.getLowerBounds()) {
        out.addAll(classesIn(b));
      }
    }
    return out;
  }

  @Test
  void shouldFindEveryKindOfDependencyInTheSources() {
    SourceGraph g = SourceGraph.of("m", Map.of(
        "A.java", "package org.streambert.x;\nimport org.streambert.y.B;\n/** {@link org.streambert.y.C} */\n"
            + "class A { B b; String s = \"org.streambert.y.C\"; char q = '\"'; }",
        "B.java", "package org.streambert.y;\nclass B { int n = org.streambert.y.internals.D.N; }",
        "C.java", "package org.streambert.y;\nclass C { }",
        "D.java", "package org.streambert.y.internals;\nimport static org.streambert.x.A.helper;\n"
            + "import org.streambert.y.C;\npublic class D { static final int N = 1; E e; C c; }",
        "E.java", "package org.streambert.y.internals;\nclass E { }",
        "S.java", "package org.streambert.z;\npublic sealed interface S permits T, U { }",
        "T.java", "package org.streambert.z;\nfinal class T implements S { org.streambert.y.B b; }",
        "U.java", "package org.streambert.z;\nimport org.streambert.y.C;\n"
            + "final class U implements S { C mine; org.streambert.z.other.C theirs; }",
        "Other.java", "package org.streambert.z.other;\nclass C { }"));
    assertEquals(Set.of("org.streambert.y.B"), g.classEdges().get("org.streambert.x.A"),
        "imports count, a Javadoc link and a string do not");
    assertEquals(Set.of("org.streambert.y.internals.D"), g.classEdges().get("org.streambert.y.B"),
        "an inline name counts, also for a constant");
    assertEquals(Set.of("org.streambert.x.A", "org.streambert.y.C", "org.streambert.y.internals.E"),
        g.classEdges().get("org.streambert.y.internals.D"), "static imports and same-package names count");
    assertEquals(Set.of(), g.classEdges().get("org.streambert.z.S"), "a permits clause does not count");
    assertEquals(List.of(List.of("org.streambert.x.A", "org.streambert.y.B", "org.streambert.y.internals.D")),
        SourceGraph.cycles(g.classEdges()));
    assertEquals(List.of(List.of("org.streambert.x", "org.streambert.y", "org.streambert.y.internals")),
        SourceGraph.cycles(g.packageEdges()), "y.internals -> y (D uses C) alone would be no cycle");
    assertEquals(Map.of("org.streambert.y.B", Set.of("org.streambert.y.internals.D.N"),
        "org.streambert.z.T", Set.of("org.streambert.y.B")), g.inlineNames(),
        "an inline name is reported unless its simple name already means another class (U's C)");
  }
}
